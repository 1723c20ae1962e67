/**
 * `gantry agent token create` and `gantry agent revoke`: managing agents from an admin's
 * machine. (`gantry agent` itself, the process on a target, lives in src/agent and is loaded by
 * main.ts without any of this.)
 */
import { connect } from '../connect.js';
import type { CommandContext } from '../context.js';
import { GantryError } from '../../core/errors.js';
import { parseDuration } from '../../core/duration.js';
import { EXIT_CODES } from '../exit-codes.js';
import { parseLabels } from '../target-args.js';

export const MIN_TOKEN_EXPIRY_SECONDS = 60;
export const MAX_TOKEN_EXPIRY_SECONDS = 30 * 24 * 3600;

/** `--expires 15m` → 900; 60 s to 30 days. */
export function parseTokenExpiry(text: string): number {
  const ms = parseDuration(text);
  const seconds = ms === undefined ? undefined : Math.round(ms / 1000);
  if (seconds === undefined || seconds < MIN_TOKEN_EXPIRY_SECONDS || seconds > MAX_TOKEN_EXPIRY_SECONDS) {
    throw new GantryError('REQUEST_INVALID', `--expires ${JSON.stringify(text.slice(0, 50))} must be a duration from 60s to 720h (e.g. 15m, 1h, 24h)`, { where: '--expires' });
  }
  return seconds;
}

export async function createAgentToken(ctx: CommandContext, options: { label?: readonly string[]; expires?: string | undefined; json?: boolean }): Promise<number> {
  const labels = parseLabels(options.label ?? []);
  const expiresInSeconds = options.expires === undefined ? undefined : parseTokenExpiry(options.expires);
  const token = await connect(ctx).createAgentToken({ labels, ...(expiresInSeconds !== undefined ? { expiresInSeconds } : {}) });
  if (options.json) {
    ctx.output.json(token);
    return EXIT_CODES.ok;
  }
  // The token alone on stdout (TOKEN=$(gantry agent token create)); the rest is for the reader.
  ctx.output.line(token.token);
  const labelText = Object.entries(token.labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
  ctx.output.notice(`one-time enrolment token, expires ${token.expiresAt}${labelText ? `, labels ${labelText}` : ''}; it is shown only once.`);
  const pin = token.serverFingerprint ? ` --server-fingerprint ${token.serverFingerprint}` : '';
  ctx.output.notice(`On the machine: GANTRY_ENROL_TOKEN=<token> gantry agent --server URL --dir /var/lib/gantry-agent${pin}`);
  return EXIT_CODES.ok;
}

export async function revokeAgent(ctx: CommandContext, name: string, options: { json?: boolean }): Promise<number> {
  const target = await connect(ctx).revokeAgent(name);
  if (options.json) ctx.output.json(target);
  else ctx.output.line(`revoked agent ${target.name}: it is refused from now on and its session, if any, is dropped`);
  return EXIT_CODES.ok;
}
