import { InvalidArgumentError } from 'commander';
import type { RoleBindingRequest } from '../client/api-client.js';

/**
 * `--bind ROLE[:APPS[:ENVIRONMENTS]]`, repeatable: `deployer:shop,cart:staging`,
 * `approver:*:production`, `viewer` (every application and environment). The server checks the
 * role and names.
 */
export function collectBinding(text: string, previous: RoleBindingRequest[]): RoleBindingRequest[] {
  const parts = text.split(':');
  const [role, apps, environments] = parts;
  if (!role || parts.length > 3 || parts.some((part) => part.trim() === '')) {
    throw new InvalidArgumentError(`"${text}" is not ROLE[:APPS[:ENVIRONMENTS]], like deployer:shop,cart:staging or approver:*:production.`);
  }
  const list = (names: string | undefined) => (names === undefined ? undefined : names.split(',').map((name) => name.trim()));
  return [...previous, { role: role.trim(), ...(apps === undefined ? {} : { apps: list(apps) }), ...(environments === undefined ? {} : { environments: list(environments) }) }];
}

export const BIND_HELP = 'a role bound to applications and environments, ROLE[:APPS[:ENVS]] with comma-separated names or *, repeatable (deployer:shop:staging)';
