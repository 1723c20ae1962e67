/**
 * What a caller may do (issue 6). A permission is either scoped — it applies to the applications
 * and environments a role is bound to — or global: it concerns the whole installation and is
 * granted only by a binding on every application and environment (`*`, `*`).
 */
export const SCOPED_PERMISSIONS = [
  /** See applications, releases, deployments, logs, changes and the calendar. */
  'read',
  /** Apply manifests and create releases. */
  'release',
  /** Start, cancel, promote, pause, resume, abort and roll back deployments. */
  'deploy',
  /** Request and edit change requests, submit, cancel and review them. */
  'change',
  /** Approve, reject or send back change requests (separation of duties still applies). */
  'approve',
] as const;

export const GLOBAL_PERMISSIONS = [
  /** Register, remove and enrol targets and agents. */
  'targets',
  /** Add and remove maintenance and freeze windows. */
  'windows',
  /** Mint, list and revoke tokens. */
  'tokens',
  /** Read and verify the audit log. */
  'audit',
  /** Add, change, disable users and set their passwords. */
  'users',
  /** Add and remove notification channels and subscriptions; redeliver notifications. */
  'notifications',
  /** Set retention policies and apply them (deleting old logs, releases and archives). */
  'retention',
] as const;

export type ScopedPermission = (typeof SCOPED_PERMISSIONS)[number];
export type GlobalPermission = (typeof GLOBAL_PERMISSIONS)[number];
export type Permission = ScopedPermission | GlobalPermission;
export const PERMISSIONS: readonly Permission[] = [...SCOPED_PERMISSIONS, ...GLOBAL_PERMISSIONS];

export const ROLES = {
  viewer: ['read'],
  deployer: ['read', 'deploy', 'change'],
  approver: ['read', 'approve'],
  'release-manager': ['read', 'release', 'deploy', 'change', 'windows', 'notifications'],
  admin: PERMISSIONS,
} as const satisfies Record<string, readonly Permission[]>;

export type Role = keyof typeof ROLES;
export const ROLE_NAMES = Object.keys(ROLES) as Role[];

export function isGlobalPermission(permission: Permission): permission is GlobalPermission {
  return (GLOBAL_PERMISSIONS as readonly string[]).includes(permission);
}
