/**
 * What a caller's role bindings allow, for clients that show or hide actions (the web UI): the
 * same rule the server enforces, so a button is absent exactly when the API would refuse.
 */
import { allows, type Resource, type RoleBinding } from '../core/access/access.js';
import { ROLE_NAMES, type Permission, type Role } from '../core/access/roles.js';
import type { RoleBindingDto } from '../protocol/users-api.js';

export { PERMISSIONS, ROLE_NAMES, type Permission } from '../core/access/roles.js';
export { EVERYTHING } from '../core/access/access.js';

/** Whether bindings as `GET /session` lists them allow `permission` on `resource` (a role this client does not know grants nothing). */
export function bindingsAllow(bindings: readonly RoleBindingDto[], permission: Permission, resource: Resource = {}): boolean {
  const known: RoleBinding[] = [];
  for (const { role, apps, environments } of bindings) if (isRole(role)) known.push({ role, apps, environments });
  return allows(known, permission, resource);
}

function isRole(role: string): role is Role {
  return (ROLE_NAMES as readonly string[]).includes(role);
}
