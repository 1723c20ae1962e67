import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ADMIN_GROUP, type Actor } from '../core/actor.js';
import { GantryError } from '../core/errors.js';
import { nameSchema } from '../core/names.js';
import { countApiTokens, findApiTokenBySha256, insertApiToken, type TokenPrincipal } from '../store/api-tokens.repository.js';
import type { AppDeps } from './app-deps.js';

const TOKEN_PREFIX = 'gantry_';

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function newToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/**
 * Creates the admin token when the store has none. Only its SHA-256 is stored; the token itself
 * is returned once, for the caller to show and save, and can never be read back.
 */
export async function createFirstAdminToken(deps: AppDeps): Promise<string | null> {
  if ((await countApiTokens(deps.db)) > 0) return null;
  const token = newToken();
  await insertApiToken(deps.db, { id: deps.ids.next('tok'), sha256: sha256Hex(token), label: 'admin', user: 'admin', groups: [ADMIN_GROUP], scope: 'api', createdAt: deps.clock.now().toISOString() });
  return token;
}

export const tokenRequestSchema = z.strictObject({
  user: nameSchema,
  groups: z.array(nameSchema).max(50).default([]),
  label: z.string().trim().min(1).max(200).optional(),
});

/**
 * Mints a token that speaks for `user` in `groups`. Only members of `admins` may, since a token
 * claims an identity that approvals rely on. Shown once; stored as its SHA-256.
 */
export async function createApiToken(deps: AppDeps, actor: Actor, input: unknown): Promise<{ token: string; id: string; user: string; groups: readonly string[]; label: string }> {
  if (!actor.groups.includes(ADMIN_GROUP)) {
    throw new GantryError('PERMISSION_DENIED', `${actor.user} is not in group ${ADMIN_GROUP}: only admins can create tokens`, { where: 'token' });
  }
  const parsed = tokenRequestSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new GantryError('REQUEST_INVALID', `token ${issue.path.join('.')}: ${issue.message}`, { where: issue.path.join('.') });
  }
  const { user, groups } = parsed.data;
  const label = parsed.data.label ?? user;
  const token = newToken();
  const id = deps.ids.next('tok');
  await insertApiToken(deps.db, { id, sha256: sha256Hex(token), label, user, groups: [...new Set(groups)], scope: 'api', createdAt: deps.clock.now().toISOString() });
  return { token, id, user, groups: [...new Set(groups)], label };
}

/**
 * A token that can only read the iCalendar feed, for calendar apps that subscribe by URL (they
 * cannot send headers). It speaks for the caller, so the feed shows what they see.
 */
export async function createCalendarFeedToken(deps: AppDeps, actor: Actor): Promise<string> {
  const token = newToken();
  await insertApiToken(deps.db, { id: deps.ids.next('tok'), sha256: sha256Hex(token), label: `calendar feed of ${actor.user}`, user: actor.user, groups: actor.groups, scope: 'calendar-feed', createdAt: deps.clock.now().toISOString() });
  return token;
}

/** Checks a calendar feed token (from the feed URL's query); throws UNAUTHORIZED. */
export async function authenticateFeedToken(deps: AppDeps, token: string | undefined): Promise<TokenPrincipal> {
  if (!token || !token.startsWith(TOKEN_PREFIX) || token.length > 200) throw unauthorized();
  const found = await findApiTokenBySha256(deps.db, sha256Hex(token), 'calendar-feed');
  if (!found) throw unauthorized();
  return found;
}

/** Checks a bearer token; throws UNAUTHORIZED without saying which part was wrong. */
export async function authenticateToken(deps: AppDeps, token: string | undefined): Promise<TokenPrincipal> {
  if (!token || !token.startsWith(TOKEN_PREFIX) || token.length > 200) throw unauthorized();
  // Looked up by its hash, so the stored value never equals anything a caller sends.
  const found = await findApiTokenBySha256(deps.db, sha256Hex(token), 'api');
  if (!found) throw unauthorized();
  return found;
}

function unauthorized(): GantryError {
  return new GantryError('UNAUTHORIZED', 'a valid API token is required: pass --token or set GANTRY_TOKEN (the admin token is in <data dir>/admin.token)');
}
