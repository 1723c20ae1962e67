/** `gantry token create | list | revoke`. */
import type { TokenDto } from '../../client/api-client.js';
import { describeAccess } from '../../core/access/access.js';
import { connect } from '../connect.js';
import type { CommandContext } from '../context.js';
import { EXIT_CODES } from '../exit-codes.js';
import { NONE } from '../format.js';

export interface TokenCreateOptions {
  readonly user: string;
  readonly group: readonly string[];
  readonly role?: string | undefined;
  readonly app: readonly string[];
  readonly env: readonly string[];
  readonly expiresIn?: string | undefined;
  readonly label?: string | undefined;
  readonly json?: boolean;
}

/** The token alone on stdout (so `$(…)` captures it), the rest on stderr. */
export async function createToken(ctx: CommandContext, options: TokenCreateOptions): Promise<number> {
  const created = await connect(ctx).createToken({
    user: options.user,
    groups: options.group,
    label: options.label,
    role: options.role,
    ...(options.app.length > 0 ? { apps: options.app } : {}),
    ...(options.env.length > 0 ? { environments: options.env } : {}),
    expiresIn: options.expiresIn,
  });
  if (options.json) ctx.output.json(created);
  else ctx.output.line(created.token);
  ctx.output.notice(
    `API token ${created.id} for ${created.user} (groups ${created.groups.join(', ') || 'none'}; label ${created.label}): ${describeAccess(created.bindings)}, until ${created.expiresAt ?? 'revoked'}. ` +
      'It is shown only once: the server keeps only its hash, so store it now.',
  );
  return EXIT_CODES.ok;
}

function stateOf(token: TokenDto): string {
  if (token.revokedAt) return `revoked ${token.revokedAt}`;
  if (token.expiresAt && Date.parse(token.expiresAt) <= Date.now()) return 'expired';
  return token.scope === 'calendar-feed' ? 'calendar feed' : 'active';
}

export async function listTokens(ctx: CommandContext, options: { json?: boolean }): Promise<number> {
  const tokens = await connect(ctx).listTokens();
  if (options.json) {
    ctx.output.json({ tokens });
    return EXIT_CODES.ok;
  }
  ctx.output.table(
    ['ID', 'USER', 'ACCESS', 'EXPIRES', 'LAST USED', 'STATE', 'LABEL'],
    tokens.map((token) => [
      token.id,
      token.user,
      describeAccess(token.bindings),
      token.expiresAt ?? NONE,
      token.lastUsedAt ?? NONE,
      stateOf(token),
      token.label,
    ]),
  );
  return EXIT_CODES.ok;
}

export async function revokeToken(ctx: CommandContext, id: string, options: { json?: boolean }): Promise<number> {
  await connect(ctx).revokeToken(id);
  if (options.json) ctx.output.json({ revoked: id });
  else ctx.output.line(`revoked token ${id}: it is refused from its next request on`);
  return EXIT_CODES.ok;
}
