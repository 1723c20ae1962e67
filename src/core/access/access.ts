import { isGlobalPermission, ROLES, type Permission, type Role } from './roles.js';

/** `*` in a scope list stands for every application (or environment), present and future. */
export const EVERYTHING = '*';

/** One role bound to applications × environments. */
export interface RoleBinding {
  readonly role: Role;
  readonly apps: readonly string[];
  readonly environments: readonly string[];
}

/**
 * What a caller may do: the union of their role bindings — their own and those of their teams.
 * A person may deploy to staging everywhere and approve in production for one application; no
 * bindings grant nothing.
 */
export type Access = readonly RoleBinding[];

/** What a request touches. An omitted part is not known yet (a listing, say): any scope will do, and the result is filtered. */
export interface Resource {
  readonly app?: string | undefined;
  readonly environment?: string | undefined;
}

export const FULL_ACCESS: Access = [{ role: 'admin', apps: [EVERYTHING], environments: [EVERYTHING] }];

const covers = (scope: readonly string[], name: string | undefined) => name === undefined || scope.includes(EVERYTHING) || scope.includes(name);
const permissionsOf = (binding: RoleBinding) => ROLES[binding.role] as readonly Permission[];

function bindsEverything(binding: RoleBinding): boolean {
  return binding.apps.includes(EVERYTHING) && binding.environments.includes(EVERYTHING);
}

/** Whether one binding reaches every application and environment (what global routes need). */
export function coversEverything(access: Access): boolean {
  return access.some(bindsEverything);
}

function bindingAllows(binding: RoleBinding, permission: Permission, resource: Resource): boolean {
  if (!permissionsOf(binding).includes(permission)) return false;
  if (isGlobalPermission(permission)) return bindsEverything(binding);
  return covers(binding.apps, resource.app) && covers(binding.environments, resource.environment);
}

/**
 * Whether some binding of `access` grants `permission` on `resource`. A global permission
 * (targets, windows, tokens, audit, users) needs a binding on everything: a role bound to staging
 * only cannot mint tokens or change windows that production shares.
 */
export function allows(access: Access, permission: Permission, resource: Resource = {}): boolean {
  return access.some((binding) => bindingAllows(binding, permission, resource));
}

/**
 * Whether `inner` grants nothing `outer` does not: a token, user or team may only be given what
 * its creator holds (no escalation through token, user or team management). Exact for unions:
 * every permission of every inner binding, on every application × environment it names, must be
 * granted by some outer binding; `*` is reached only by `*` (it includes applications that do
 * not exist yet).
 */
export function isWithin(inner: Access, outer: Access): boolean {
  const reaches = (scope: readonly string[], name: string) => scope.includes(EVERYTHING) || (name !== EVERYTHING && scope.includes(name));
  return inner.every((binding) =>
    permissionsOf(binding).every((permission) => {
      // A global permission of a binding not on everything grants nothing, so there is nothing to hold.
      if (isGlobalPermission(permission) && !bindsEverything(binding)) return true;
      return binding.apps.every((app) =>
        binding.environments.every((environment) =>
          outer.some((held) => permissionsOf(held).includes(permission) && reaches(held.apps, app) && reaches(held.environments, environment)),
        ),
      );
    }),
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
 * What two bindings both grant: the permissions of the two roles intersect, and so do the scopes.
 * The role is the one whose permissions are exactly that intersection, or else the role with the
 * most permissions that all lie inside it; null when nothing is left.
 */
function narrowBinding(a: RoleBinding, b: RoleBinding): RoleBinding | null {
  const common = permissionsOf(a).filter((permission) => permissionsOf(b).includes(permission));
  const inside = (role: Role) => (ROLES[role] as readonly Permission[]).every((permission) => common.includes(permission));
  const role = ROLES_BY_REACH.find((candidate) => inside(candidate) && ROLES[candidate].length === common.length) ?? ROLES_BY_REACH.find(inside);
  const apps = intersectScope(a.apps, b.apps);
  const environments = intersectScope(a.environments, b.environments);
  if (role === undefined || apps.length === 0 || environments.length === 0) return null;
  return { role, apps, environments };
}

/**
 * What a token may do now that its user's own access may have changed since it was minted: no
 * more than both grant. The intersection of two unions is the union of the pairwise
 * intersections; an empty result grants nothing.
 */
export function narrowAccess(token: Access, user: Access): Access {
  return token.flatMap((granted) => user.flatMap((held) => narrowBinding(granted, held) ?? []));
}

/** `deployer on shop × staging; viewer on every application × every environment`, for messages. */
export function describeAccess(access: readonly { readonly role: string; readonly apps: readonly string[]; readonly environments: readonly string[] }[]): string {
  if (access.length === 0) return 'no access';
  const list = (names: readonly string[], what: string) => (names.includes(EVERYTHING) ? `every ${what}` : names.join(', '));
  return access.map((binding) => `${binding.role} on ${list(binding.apps, 'application')} × ${list(binding.environments, 'environment')}`).join('; ');
}

/** `deployer, approver`: the roles of the bindings, for short messages. */
export function describeRoles(access: Access): string {
  return [...new Set(access.map((binding) => binding.role))].join(', ') || 'no role';
}
