import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { allows, describeAccess, EVERYTHING, FULL_ACCESS, isWithin, narrowAccess, type Access } from '../core/access/access.js';
import { roleSchema, scopeListSchema } from '../core/access/access-schema.js';
import type { Actor } from '../core/actor.js';
import { parseDuration } from '../core/duration.js';
import { GantryError } from '../core/errors.js';
import { nameSchema } from '../core/names.js';
import { countApiTokens, findApiTokenBySha256, insertApiToken, listApiTokens, recordTokenUse, revokeApiToken, type StoredToken, type TokenScope } from '../store/api-tokens.repository.js';
import { findUser, type StoredUser } from '../store/users.repository.js';
import type { AppDeps } from './app-deps.js';
import { parseInput } from './parse-input.js';
import { accessOf } from './teams.js';

export type { StoredToken };

const TOKEN_PREFIX = 'gantry_';
/** A token's last use is written at most this often. */
const LAST_USE_EVERY_MS = 60_000;
/** The longest a token may live: tokens without an end are the ones that leak and outlive their purpose. */
const MAX_TOKEN_DAYS = 366;

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
  await insertApiToken(deps.db, {
    id: deps.ids.next('tok'),
    sha256: sha256Hex(token),
    label: 'admin',
    user: 'admin',
    groups: ['admins'],
    scope: 'api',
    origin: 'minted',
    access: FULL_ACCESS,
    createdAt: deps.clock.now().toISOString(),
    expiresAt: null,
  });
  return token;
}

export const tokenRequestSchema = z.strictObject({
  user: nameSchema,
  groups: z.array(nameSchema).max(50).default([]),
  label: z.string().trim().min(1).max(200).optional(),
  /** What the token may do (core/access/roles.ts); least privilege unless said otherwise. */
  role: roleSchema.default('viewer'),
  apps: scopeListSchema.default([EVERYTHING]),
  environments: scopeListSchema.default([EVERYTHING]),
  /** How long it lives: `30d`, `12h`; at most 366 days. */
  expiresIn: z.string().default('90d'),
});

/** `30d`, `12h`, `90m` in milliseconds, refused outside (0, maxDays]. */
export function lifetimeMs(text: string, maxDays: number = MAX_TOKEN_DAYS): number {
  const days = /^(\d+)d$/.exec(text.trim());
  const ms = days ? Number(days[1]) * 86_400_000 : parseDuration(text);
  if (ms === undefined || ms <= 0 || ms > maxDays * 86_400_000) {
    throw new GantryError('REQUEST_INVALID', `expiresIn: "${text}" is not a lifetime between 1s and ${maxDays}d, like 30d or 12h`, { where: 'expiresIn' });
  }
  return ms;
}

/**
 * Mints a token that speaks for `user` (a person, a service account, or just a name) in `groups`,
 * with one role bound to applications and environments, living for `expiresIn`. The caller needs the `tokens` permission and may only
 * hand out what they hold themselves. Shown once; stored as its SHA-256.
 */
export async function createApiToken(deps: AppDeps, actor: Actor, input: unknown): Promise<{ token: string; stored: StoredToken }> {
  const request = parseInput(tokenRequestSchema, input, '', 'token');
  const access: Access = [{ role: request.role, apps: request.apps, environments: request.environments }];
  if (!allows(actor.access, 'tokens')) throw new GantryError('PERMISSION_DENIED', `${actor.user} may not create tokens`, { where: 'token' });
  if (!isWithin(access, actor.access)) {
    throw new GantryError('PERMISSION_DENIED', `${actor.user} cannot hand out ${describeAccess(access)}: it is more than their own token holds`, { where: 'role' });
  }
  const now = deps.clock.now();
  const token = newToken();
  const id = deps.ids.next('tok');
  await insertApiToken(deps.db, {
    id,
    sha256: sha256Hex(token),
    label: request.label ?? request.user,
    user: request.user,
    groups: [...new Set(request.groups)],
    scope: 'api',
    origin: 'minted',
    access,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + lifetimeMs(request.expiresIn)).toISOString(),
  });
  return { token, stored: (await listApiTokens(deps.db)).find((stored) => stored.id === id)! };
}

/**
 * The token a login hands out: it speaks for the user, in their groups, with their access as it
 * is now, teams included (and is narrowed to it again on every request).
 */
export async function createLoginToken(deps: AppDeps, user: StoredUser, access: Access, options: { readonly lifetimeMs: number; readonly label: string }): Promise<{ token: string; stored: StoredToken }> {
  const now = deps.clock.now();
  const token = newToken();
  const id = deps.ids.next('tok');
  const stored: StoredToken = {
    id,
    label: options.label,
    user: user.name,
    groups: user.groups,
    scope: 'api',
    origin: 'login',
    access,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + options.lifetimeMs).toISOString(),
    revokedAt: null,
    lastUsedAt: null,
  };
  await insertApiToken(deps.db, { ...stored, sha256: sha256Hex(token) });
  return { token, stored };
}

/** Revokes the token the caller came with (`POST /logout`). */
export async function revokeCallingToken(deps: AppDeps, actor: Actor): Promise<void> {
  if (actor.tokenId === undefined || !(await revokeApiToken(deps.db, actor.tokenId, deps.clock.now().toISOString()))) {
    throw new GantryError('TOKEN_NOT_FOUND', 'the token of this request is already revoked', { where: 'token' });
  }
}

export async function listTokens(deps: AppDeps, actor: Actor): Promise<StoredToken[]> {
  if (!allows(actor.access, 'tokens')) throw new GantryError('PERMISSION_DENIED', `${actor.user} may not list tokens`, { where: 'token' });
  return listApiTokens(deps.db);
}

/** Revokes a token at once: its next request is refused. */
export async function revokeToken(deps: AppDeps, actor: Actor, id: string): Promise<void> {
  if (!allows(actor.access, 'tokens')) throw new GantryError('PERMISSION_DENIED', `${actor.user} may not revoke tokens`, { where: 'token' });
  if (!(await revokeApiToken(deps.db, id, deps.clock.now().toISOString()))) {
    throw new GantryError('TOKEN_NOT_FOUND', `token ${id} does not exist or is already revoked`, { where: 'id' });
  }
}

/**
 * A token that can only read the iCalendar feed, for calendar apps that subscribe by URL (they
 * cannot send headers). It speaks for the caller with the caller's scope, so the feed shows
 * what they may see.
 */
export async function createCalendarFeedToken(deps: AppDeps, actor: Actor): Promise<string> {
  const token = newToken();
  await insertApiToken(deps.db, {
    id: deps.ids.next('tok'),
    sha256: sha256Hex(token),
    label: `calendar feed of ${actor.user}`,
    user: actor.user,
    groups: actor.groups,
    scope: 'calendar-feed',
    origin: 'minted',
    access: actor.access.map((binding) => ({ ...binding, role: 'viewer' as const })),
    createdAt: deps.clock.now().toISOString(),
    expiresAt: null,
  });
  return token;
}

/** Checks a bearer token; throws UNAUTHORIZED without saying which part was wrong. */
export async function authenticateToken(deps: AppDeps, token: string | undefined, scope: TokenScope = 'api'): Promise<Actor> {
  if (!token || !token.startsWith(TOKEN_PREFIX) || token.length > 200) throw unauthorized();
  // Looked up by its hash, so the stored value never equals anything a caller sends.
  const found = await findApiTokenBySha256(deps.db, sha256Hex(token), scope);
  const now = deps.clock.now().toISOString();
  if (!found || found.revokedAt !== null || (found.expiresAt !== null && found.expiresAt <= now)) throw unauthorized();
  // A token of a user follows the user: refused while they are disabled, and never more than
  // they may do now, teams included (a binding or team taken away is gone from the next request).
  // A name without a user record (the first admin token, a token minted for a name) keeps the
  // token's own access.
  const user = await findUser(deps.db, found.user);
  if (user?.disabledAt) throw unauthorized();
  await recordTokenUse(deps.db, found.id, now, LAST_USE_EVERY_MS);
  if (!user) return { user: found.user, groups: found.groups, access: found.access, tokenId: found.id };
  const groups = found.groups.filter((group) => user.groups.includes(group));
  return { user: found.user, groups, access: narrowAccess(found.access, await accessOf(deps, user)), tokenId: found.id, ...(user.kind === 'service' ? { service: true } : {}) };
}

function unauthorized(): GantryError {
  return new GantryError('UNAUTHORIZED', 'a valid API token is required: pass --token or set GANTRY_TOKEN (the admin token is in <data dir>/admin.token)');
}
