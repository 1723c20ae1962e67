/** Role bindings and permissions said in words, for lists and for "what you may do". */
import { bindingsAllow, type Permission } from '../../../../src/client/access.js';
import type { RoleBindingDto } from '../../../../src/client/api-client.js';
import { EVERY } from './binding-rows.js';

const PERMISSION_WORDS: Record<Permission, string> = {
  read: 'see applications, releases, deployments, changes and the calendar',
  release: 'apply manifests and create releases',
  deploy: 'start, pause, resume, cancel and roll back deployments',
  change: 'request and edit change requests',
  approve: 'approve or reject change requests',
  targets: 'register and remove targets and agents, and see the server nodes',
  windows: 'add and remove maintenance and freeze windows',
  tokens: 'mint, list and revoke API tokens',
  audit: 'read and verify the audit log',
  users: 'manage users, teams and passwords',
  notifications: 'add and remove notification channels and subscriptions, and redeliver notifications',
  retention: 'set retention policies and prune old logs and release archives',
};

function scopeWords(scope: readonly string[], all: string, one: string, many: string): string {
  if (scope.includes(EVERY)) return all;
  return `${scope.length === 1 ? one : many} ${scope.join(', ')}`;
}

/** "deployer on application shop in all environments". */
export function describeBinding(binding: RoleBindingDto): string {
  const apps = scopeWords(binding.apps, 'all applications', 'application', 'applications');
  const environments = scopeWords(binding.environments, 'all environments', 'environment', 'environments');
  return `${binding.role} on ${apps} in ${environments}`;
}

export function describeBindings(bindings: readonly RoleBindingDto[]): string {
  return bindings.length === 0 ? 'no access' : bindings.map(describeBinding).join('; ');
}

/** What one binding lets its holder do, by the rule the server applies (global permissions only on everything). */
export function permissionsInWords(binding: RoleBindingDto): string[] {
  const permissions = Object.keys(PERMISSION_WORDS) as Permission[];
  return permissions.filter((permission) => bindingsAllow([binding], permission)).map((permission) => PERMISSION_WORDS[permission]);
}
