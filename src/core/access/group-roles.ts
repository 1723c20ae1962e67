import { ROLE_NAMES, ROLES, type Role } from './roles.js';

/** Which role members of an identity-provider group get: `cab=approver,platform=admin`. */
export type GroupRoleMap = Readonly<Record<string, Role>>;

/** Parses `group=role,group=role`; throws an Error naming the bad entry. */
export function parseGroupRoleMap(text: string): GroupRoleMap {
  const map: Record<string, Role> = {};
  for (const entry of text.split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    const [group, role, ...rest] = entry.split('=').map((part) => part.trim());
    if (!group || !role || rest.length > 0) throw new Error(`"${entry}" is not group=role`);
    if (!(ROLE_NAMES as string[]).includes(role)) throw new Error(`"${entry}": ${role} is not a role (${ROLE_NAMES.join(', ')})`);
    map[group] = role as Role;
  }
  return map;
}

/**
 * The widest role the groups are mapped to: the one with the most permissions (on a tie, the
 * later in ROLE_NAMES); viewer when no group is mapped.
 */
export function roleForGroups(map: GroupRoleMap, groups: readonly string[]): Role {
  let best: Role = 'viewer';
  for (const group of groups) {
    const role = Object.hasOwn(map, group) ? map[group] : undefined;
    if (role === undefined) continue;
    const wider = ROLES[role].length > ROLES[best].length || (ROLES[role].length === ROLES[best].length && ROLE_NAMES.indexOf(role) > ROLE_NAMES.indexOf(best));
    if (wider) best = role;
  }
  return best;
}
