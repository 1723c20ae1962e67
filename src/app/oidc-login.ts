import { EVERYTHING, type Access } from '../core/access/access.js';
import { roleForGroups, type GroupRoleMap } from '../core/access/group-roles.js';
import { GantryError } from '../core/errors.js';
import { nameSchema } from '../core/names.js';
import * as store from '../store/users.repository.js';
import { createLoginToken, type StoredToken } from './api-tokens.js';
import type { AppDeps } from './app-deps.js';

/** What the identity provider vouched for (its ID token, already verified). */
export interface OidcIdentity {
  /** `preferred_username`, else `sub`. */
  readonly name: string;
  readonly displayName: string | null;
  readonly groups: readonly string[];
}

/** An OIDC session lives this long (the provider is asked again afterwards). */
export const OIDC_SESSION_MS = 12 * 3_600_000;

function refused(why: string): GantryError {
  return new GantryError('OIDC_LOGIN_FAILED', why, { where: 'oidc' });
}

/**
 * Signs in a person the identity provider vouched for: the user record is created, or updated to
 * what the provider says now (groups, and the role their groups map to, on everything; the
 * provider is the source of truth), and a login token is handed out. A disabled user stays out,
 * and a local user with a password is never taken over by a provider account of the same name.
 */
export async function signInWithOidc(deps: AppDeps, identity: OidcIdentity, roleMap: GroupRoleMap): Promise<{ token: string; stored: StoredToken }> {
  if (!nameSchema.safeParse(identity.name).success) throw refused(`the provider's user name "${identity.name.slice(0, 100)}" is not a name Gantry accepts`);
  const groups = [...new Set(identity.groups.filter((group) => nameSchema.safeParse(group).success))].slice(0, 50);
  const access = { role: roleForGroups(roleMap, identity.groups), apps: [EVERYTHING], environments: [EVERYTHING] } as Access;
  const now = deps.clock.now().toISOString();
  const existing = await store.findUser(deps.db, identity.name);
  if (!existing) {
    await store.insertUser(deps.db, { name: identity.name, displayName: identity.displayName, groups, access, passwordHash: null, createdAt: now, updatedAt: now });
  } else {
    if (existing.disabledAt !== null) throw refused(`${identity.name} is disabled in Gantry`);
    if ((await store.findPasswordHash(deps.db, identity.name)) !== null) throw refused(`${identity.name} is a local user with a password; single sign-on does not take it over`);
    await store.updateUser(deps.db, identity.name, { displayName: identity.displayName ?? existing.displayName, groups, access, disabledAt: null, updatedAt: now });
  }
  const user = (await store.findUser(deps.db, identity.name))!;
  return createLoginToken(deps, user, { lifetimeMs: OIDC_SESSION_MS, label: `single sign-on of ${user.name}` });
}
