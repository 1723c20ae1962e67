/**
 * `gantry login | logout` and `gantry user add | list | disable | enable | set-password`.
 * Passwords come from a terminal without echo, or as one line of standard input; never from the
 * command line, never printed.
 */
import { createApiClient, isApiUnreachableError, type RoleBindingRequest } from '../../client/api-client.js';
import { describeAccess } from '../../core/access/access.js';
import { GantryError, isGantryError } from '../../core/errors.js';
import { connect } from '../connect.js';
import type { CommandContext, Stdin } from '../context.js';
import { forgetLogin, saveLogin, storedLogin } from '../credentials.js';
import { EXIT_CODES } from '../exit-codes.js';
import { readHidden } from '../hidden-input.js';
import { NONE } from '../format.js';

/** Longer than the server accepts (1024), so that an over-long password is refused there, not cut here. */
const MAX_PASSWORD_READ = 4096;

function noPassword(how: string): GantryError {
  return new GantryError('REQUEST_INVALID', `no password: ${how}. Type it at the terminal or pipe it in as one line; it is never taken from the command line`, { where: 'stdin' });
}

/** The first line of standard input (without its line ending). */
async function readLine(stdin: Stdin): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.includes('\n') || text.length > MAX_PASSWORD_READ) break;
  }
  return (text.split('\n')[0] ?? '').replace(/\r$/, '');
}

async function readPassword(ctx: CommandContext, prompt: string): Promise<string> {
  const stdin = ctx.stdin;
  if (!stdin) throw noPassword('there is no standard input');
  const password = stdin.isTTY ? await readHidden(ctx, stdin, prompt, MAX_PASSWORD_READ) : await readLine(stdin);
  if (password.length === 0) throw noPassword(stdin.isTTY ? 'nothing was typed' : 'standard input is empty');
  return password;
}

export interface LoginOptions {
  readonly user?: string | undefined;
  readonly expiresIn?: string | undefined;
  readonly json?: boolean;
}

/** Logs in with a password and stores the token for this server in the user's credentials file. */
export async function login(ctx: CommandContext, options: LoginOptions): Promise<number> {
  const user = options.user ?? (ctx.env.GANTRY_USER || ctx.env.USER || ctx.env.LOGNAME);
  if (!user) throw new GantryError('REQUEST_INVALID', 'who is logging in? Pass --user NAME', { where: 'user' });
  const password = await readPassword(ctx, `Password for ${user} at ${ctx.server.url}`);
  // No token: logging in is how one gets one.
  const answer = await createApiClient({ url: ctx.server.url }).login({ user, password, expiresIn: options.expiresIn });
  if (answer.token === undefined) throw new GantryError('INTERNAL', 'the server answered the login without a token');
  const path = saveLogin(ctx.env, ctx.server.url, { token: answer.token, id: answer.id, user: answer.user, expiresAt: answer.expiresAt });
  if (options.json) ctx.output.json({ url: ctx.server.url, user: answer.user, id: answer.id, expiresAt: answer.expiresAt, credentials: path });
  else ctx.output.line(`logged in to ${ctx.server.url} as ${answer.user} until ${answer.expiresAt}; the token is stored in ${path}`);
  return EXIT_CODES.ok;
}

/** Revokes the stored token on the server and forgets it here (also when the server already refuses it). */
export async function logout(ctx: CommandContext, options: { json?: boolean }): Promise<number> {
  const stored = storedLogin(ctx.env, ctx.server.url);
  if (!stored) {
    if (options.json) ctx.output.json({ url: ctx.server.url, loggedOut: false });
    else ctx.output.line(`not logged in to ${ctx.server.url}`);
    return EXIT_CODES.ok;
  }
  let revoked = true;
  try {
    await createApiClient({ url: ctx.server.url, token: stored.token }).logout();
  } catch (error) {
    // Expired or revoked already: nothing left to revoke. Unreachable: keep the token, say so.
    if (isApiUnreachableError(error)) throw error;
    if (!isGantryError(error) || (error.code !== 'UNAUTHORIZED' && error.code !== 'TOKEN_NOT_FOUND')) throw error;
    revoked = false;
  }
  forgetLogin(ctx.env, ctx.server.url);
  if (options.json) ctx.output.json({ url: ctx.server.url, user: stored.user, loggedOut: true, revoked });
  else ctx.output.line(`logged out of ${ctx.server.url} (${stored.user}): ${revoked ? 'the token is revoked' : 'the server no longer accepted the token'} and removed from this machine`);
  return EXIT_CODES.ok;
}

export interface UserAddOptions {
  readonly service?: boolean;
  readonly bind: readonly RoleBindingRequest[];
  readonly role?: string | undefined;
  readonly app: readonly string[];
  readonly env: readonly string[];
  readonly group: readonly string[];
  readonly displayName?: string | undefined;
  readonly passwordStdin?: boolean;
  readonly json?: boolean;
}

export async function addUser(ctx: CommandContext, name: string, options: UserAddOptions): Promise<number> {
  const password = options.passwordStdin ? await readPassword(ctx, `Password for ${name}`) : undefined;
  const user = await connect(ctx).createUser({
    name,
    ...(options.service ? { kind: 'service' } : {}),
    displayName: options.displayName,
    groups: options.group,
    ...(options.bind.length > 0 ? { bindings: options.bind } : {}),
    role: options.role,
    ...(options.app.length > 0 ? { apps: options.app } : {}),
    ...(options.env.length > 0 ? { environments: options.env } : {}),
    ...(password === undefined ? {} : { password }),
  });
  if (options.json) ctx.output.json(user);
  else if (user.kind === 'service') ctx.output.line(`added service account ${user.name}: ${describeAccess(user.access)}; it acts through tokens minted for it (gantry token create --user ${user.name})`);
  else ctx.output.line(`added user ${user.name}: ${describeAccess(user.access)}${user.hasPassword ? '' : ' (no password: they cannot log in until one is set)'}`);
  return EXIT_CODES.ok;
}

export async function listUsers(ctx: CommandContext, options: { json?: boolean }): Promise<number> {
  const users = await connect(ctx).listUsers();
  if (options.json) {
    ctx.output.json({ users });
    return EXIT_CODES.ok;
  }
  ctx.output.table(
    ['NAME', 'KIND', 'DISPLAY NAME', 'ACCESS', 'GROUPS', 'PASSWORD', 'STATE'],
    users.map((user) => [
      user.name,
      user.kind,
      user.displayName ?? NONE,
      describeAccess(user.access),
      user.groups.join(',') || NONE,
      user.hasPassword ? 'set' : NONE,
      user.disabledAt ? `disabled ${user.disabledAt}` : 'active',
    ]),
  );
  return EXIT_CODES.ok;
}

/** Replaces the user's own bindings: `--bind` each, or `--none`. */
export async function setUserAccess(ctx: CommandContext, name: string, options: { bind: readonly RoleBindingRequest[]; none?: boolean; json?: boolean }): Promise<number> {
  if ((options.bind.length > 0) === Boolean(options.none)) {
    throw new GantryError('REQUEST_INVALID', 'give the new bindings with --bind (repeatable), or --none for no bindings of their own', { where: 'bind' });
  }
  const user = await connect(ctx).updateUser(name, { bindings: options.bind });
  if (options.json) ctx.output.json(user);
  else ctx.output.line(`${name} now has ${describeAccess(user.access)} (their own bindings and their teams'); their tokens are narrowed from the next request on`);
  return EXIT_CODES.ok;
}

export async function setUserDisabled(ctx: CommandContext, name: string, disabled: boolean, options: { json?: boolean }): Promise<number> {
  const user = await connect(ctx).updateUser(name, { disabled });
  if (options.json) ctx.output.json(user);
  else ctx.output.line(disabled ? `disabled ${name}: their tokens are refused from their next request on` : `enabled ${name}: their unexpired tokens work again`);
  return EXIT_CODES.ok;
}

export async function setUserPassword(ctx: CommandContext, name: string, options: { json?: boolean }): Promise<number> {
  const password = await readPassword(ctx, `New password for ${name}`);
  await connect(ctx).setUserPassword(name, password);
  if (options.json) ctx.output.json({ user: name, passwordSet: true });
  else ctx.output.line(`set the password of ${name}`);
  return EXIT_CODES.ok;
}
