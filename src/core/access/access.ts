import { isGlobalPermission, ROLES, type Permission, type Role } from './roles.js';

/** `*` in a scope list stands for every application (or environment), present and future. */
export const EVERYTHING = '*';

/** What a caller may do: one role, bound to applications × environments. */
export interface Access {
  readonly role: Role;
  readonly apps: readonly string[];
  readonly environments: readonly string[];
}

/** What a request touches. An omitted part is not known yet (a listing, say): any scope will do, and the result is filtered. */
export interface Resource {
  readonly app?: string | undefined;
  readonly environment?: string | undefined;
}

export const FULL_ACCESS: Access = { role: 'admin', apps: [EVERYTHING], environments: [EVERYTHING] };

const covers = (scope: readonly string[], name: string | undefined) => name === undefined || scope.includes(EVERYTHING) || scope.includes(name);

export function coversEverything(access: Access): boolean {
  return access.apps.includes(EVERYTHING) && access.environments.includes(EVERYTHING);
}

/**
 * Whether `access` grants `permission` on `resource`. A global permission (targets, windows,
 * tokens, audit) needs a binding on everything: a role bound to staging only cannot mint tokens
 * or change windows that production shares.
 */
export function allows(access: Access, permission: Permission, resource: Resource = {}): boolean {
  if (!(ROLES[access.role] as readonly Permission[]).includes(permission)) return false;
  if (isGlobalPermission(permission)) return coversEverything(access);
  return covers(access.apps, resource.app) && covers(access.environments, resource.environment);
}

/**
 * Whether `inner` grants nothing `outer` does not: a token may only be minted with a role and a
 * scope its creator holds (no escalation through token creation).
 */
export function isWithin(inner: Access, outer: Access): boolean {
  const permissions = ROLES[inner.role] as readonly Permission[];
  const within = (innerScope: readonly string[], outerScope: readonly string[]) =>
    outerScope.includes(EVERYTHING) || (!innerScope.includes(EVERYTHING) && innerScope.every((name) => outerScope.includes(name)));
  return (
    permissions.every((permission) => (ROLES[outer.role] as readonly Permission[]).includes(permission)) &&
    within(inner.apps, outer.apps) &&
    within(inner.environments, outer.environments)
  );
}

/** The roles ordered by how much they may do, most first (admin before release-manager before viewer). */
const ROLES_BY_REACH: readonly Role[] = (Object.keys(ROLES) as Role[]).sort((a, b) => ROLES[b].length - ROLES[a].length);

function intersectScope(a: readonly string[], b: readonly string[]): readonly string[] {
  if (a.includes(EVERYTHING)) return [...b];
  if (b.includes(EVERYTHING)) return [...a];
  return a.filter((name) => b.includes(name));
}

/**
 * What a token may do now that its user's own access may have changed since it was minted: no
 * more than either grants. The permissions of the two roles intersect, and so do the scopes (an
 * empty scope reaches nothing). The role is the one whose permissions are exactly that
 * intersection, or else the role with the most permissions that all lie inside it.
 */
export function narrowAccess(token: Access, user: Access): Access {
  const userPermissions = ROLES[user.role] as readonly Permission[];
  const common = (ROLES[token.role] as readonly Permission[]).filter((permission) => userPermissions.includes(permission));
  const inside = (role: Role) => (ROLES[role] as readonly Permission[]).every((permission) => common.includes(permission));
  const exact = ROLES_BY_REACH.find((role) => inside(role) && ROLES[role].length === common.length);
  const role = exact ?? ROLES_BY_REACH.find(inside);
  // Every role can read, so some role always fits; a catalogue without that would grant nothing scoped.
  if (role === undefined) return { role: 'viewer', apps: [], environments: [] };
  return { role, apps: intersectScope(token.apps, user.apps), environments: intersectScope(token.environments, user.environments) };
}
