/** `gantry secret set | list | remove`. Values come from standard input only, and are never printed. */
import { GantryError } from '../../core/errors.js';
import { connect } from '../connect.js';
import type { CommandContext, Stdin } from '../context.js';
import { EXIT_CODES } from '../exit-codes.js';
import { readHidden } from '../hidden-input.js';

/** What the server accepts (64 KiB); reading stops a little after it. */
const MAX_VALUE_BYTES = 64 * 1024;
const EVERY_ENVIRONMENT = '*';

const scopeOf = (environment: string) => (environment === EVERY_ENVIRONMENT ? 'every environment' : `environment ${environment}`);

function emptyInput(how: string): GantryError {
  return new GantryError('REQUEST_INVALID', `no value: ${how}. Pipe it in (gantry secret set APP NAME < file) or type it at a terminal; it is never taken from the command line`, { where: 'stdin' });
}

/** Everything piped in, with one trailing newline dropped. */
async function readPiped(stdin: Stdin): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
    size += buffer.length;
    if (size > MAX_VALUE_BYTES + 2) throw new GantryError('REQUEST_INVALID', `the value on standard input is larger than ${MAX_VALUE_BYTES} bytes`, { where: 'stdin' });
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (text.length === 0) throw emptyInput('standard input is empty');
  return text;
}

export async function setSecret(ctx: CommandContext, app: string, name: string, options: { env?: string | undefined; json?: boolean }): Promise<number> {
  const stdin = ctx.stdin;
  if (!stdin) throw emptyInput('there is no standard input');
  const value = stdin.isTTY ? await readHidden(ctx, stdin, `Value for ${name}`, MAX_VALUE_BYTES + 1) : await readPiped(stdin);
  if (value.length === 0) throw emptyInput('nothing was typed');
  const environment = options.env ?? EVERY_ENVIRONMENT;
  await connect(ctx).setSecret(app, name, { value, environment });
  if (options.json) ctx.output.json({ app, name, environment });
  else ctx.output.line(`set secret ${name} of ${app} for ${scopeOf(environment)}`);
  return EXIT_CODES.ok;
}

export async function listSecrets(ctx: CommandContext, app: string, options: { json?: boolean }): Promise<number> {
  const secrets = await connect(ctx).listSecrets(app);
  if (options.json) {
    ctx.output.json({ secrets });
    return EXIT_CODES.ok;
  }
  ctx.output.table(
    ['NAME', 'ENVIRONMENT', 'UPDATED', 'BY'],
    secrets.map((secret) => [secret.name, secret.environment, secret.updatedAt, secret.updatedBy]),
  );
  return EXIT_CODES.ok;
}

export async function removeSecret(ctx: CommandContext, app: string, name: string, options: { env?: string | undefined; json?: boolean }): Promise<number> {
  const environment = options.env ?? EVERY_ENVIRONMENT;
  await connect(ctx).removeSecret(app, name, environment);
  if (options.json) ctx.output.json({ removed: { app, name, environment } });
  else ctx.output.line(`removed secret ${name} of ${app} for ${scopeOf(environment)}`);
  return EXIT_CODES.ok;
}
