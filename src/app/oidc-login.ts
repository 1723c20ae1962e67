import { teamsForClaims } from '../core/access/teams.js';
import { GantryError } from '../core/errors.js';
import { nameSchema } from '../core/names.js';
import { listTeams } from '../store/teams.repository.js';
import * as store from '../store/users.repository.js';
import { createLoginToken, type StoredToken } from './api-tokens.js';
import type { AppDeps } from './app-deps.js';
import { accessOf } from './teams.js';

/** What the identity provider vouched for (its ID token, already verified). */
export interface OidcIdentity {
  /** `preferred_username`, else `sub`. */
  readonly name: string;
  readonly displayName: string | null;
  readonly groups: readonly string[];
}

/** An OIDC session lives this long (the provider is asked again afterwards). */
export const OIDC_SESSION_MS = 12 * 3_600_000;
/** At most this many group claims are kept (a provider may send hundreds). */
const MAX_GROUPS = 50;

function refused(why: string): GantryError {
  return new GantryError('OIDC_LOGIN_FAILED', why, { where: 'oidc' });
}

/**
 * Signs in a person the identity provider vouched for: the user record is created, or updated to
 * what the provider says now — their groups are their claims that are Gantry names, plus the teams
 * the claims map to (core/access/teams.ts); the provider is the source of truth for membership, so
 * a group taken away there is gone here at the next sign-in. Bindings an admin gave the user
 * directly stay; a new user has none, so their access is their teams'. A disabled user stays out,
 * and neither a local user with a password nor a service account is taken over by a provider
 * account of the same name.
 */
export async function signInWithOidc(deps: AppDeps, identity: OidcIdentity): Promise<{ token: string; stored: StoredToken }> {
  if (!nameSchema.safeParse(identity.name).success) throw refused(`the provider's user name "${identity.name.slice(0, 100)}" is not a name Gantry accepts`);
  const claims = identity.groups.slice(0, 500);
  const named = claims.filter((group) => nameSchema.safeParse(group).success);
  const groups = [...new Set([...teamsForClaims(claims, await listTeams(deps.db)), ...named])].slice(0, MAX_GROUPS);
  const now = deps.clock.now().toISOString();
  const existing = await store.findUser(deps.db, identity.name);
  if (!existing) {
    await store.insertUser(deps.db, { name: identity.name, kind: 'person', displayName: identity.displayName, groups, bindings: [], passwordHash: null, createdAt: now, updatedAt: now });
  } else {
    if (existing.disabledAt !== null) throw refused(`${identity.name} is disabled in Gantry`);
    if (existing.kind !== 'person') throw refused(`${identity.name} is a service account; single sign-on does not take it over`);
    if ((await store.findPasswordHash(deps.db, identity.name)) !== null) throw refused(`${identity.name} is a local user with a password; single sign-on does not take it over`);
    await store.updateUser(deps.db, identity.name, { ...existing, displayName: identity.displayName ?? existing.displayName, groups, updatedAt: now });
  }
  const user = (await store.findUser(deps.db, identity.name))!;
  return createLoginToken(deps, user, await accessOf(deps, user), { lifetimeMs: OIDC_SESSION_MS, label: `single sign-on of ${user.name}` });
}
