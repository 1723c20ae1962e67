import { describe, expect, it } from 'vitest';
import { allows, FULL_ACCESS, isWithin, type Access } from './access.js';
import { PERMISSIONS, ROLE_NAMES, ROLES } from './roles.js';

const stagingDeployer: Access = { role: 'deployer', apps: ['shop'], environments: ['staging'] };

describe('access', () => {
  it('grants a scoped permission only inside the scope', () => {
    expect(allows(stagingDeployer, 'deploy', { app: 'shop', environment: 'staging' })).toBe(true);
    expect(allows(stagingDeployer, 'deploy', { app: 'shop', environment: 'production' })).toBe(false);
    expect(allows(stagingDeployer, 'deploy', { app: 'cart', environment: 'staging' })).toBe(false);
    expect(allows(stagingDeployer, 'approve', { app: 'shop', environment: 'staging' })).toBe(false);
    // A listing: some scope will do, and the result is filtered.
    expect(allows(stagingDeployer, 'read')).toBe(true);
  });

  it('grants a global permission only to a binding on everything', () => {
    expect(allows({ role: 'admin', apps: ['shop'], environments: ['*'] }, 'tokens')).toBe(false);
    expect(allows(FULL_ACCESS, 'tokens')).toBe(true);
    expect(allows({ role: 'release-manager', apps: ['*'], environments: ['*'] }, 'windows')).toBe(true);
    expect(allows({ role: 'release-manager', apps: ['*'], environments: ['*'] }, 'tokens')).toBe(false);
  });

  it('each role holds exactly its permissions', () => {
    for (const role of ROLE_NAMES) {
      for (const permission of PERMISSIONS) {
        expect(allows({ role, apps: ['*'], environments: ['*'] }, permission), `${role} ${permission}`).toBe((ROLES[role] as readonly string[]).includes(permission));
      }
    }
  });

  it('a token can only be narrower than its creator', () => {
    expect(isWithin(stagingDeployer, FULL_ACCESS)).toBe(true);
    expect(isWithin({ role: 'viewer', apps: ['shop'], environments: ['staging'] }, stagingDeployer)).toBe(true);
    expect(isWithin({ role: 'deployer', apps: ['shop'], environments: ['production'] }, stagingDeployer)).toBe(false);
    expect(isWithin({ role: 'deployer', apps: ['*'], environments: ['staging'] }, stagingDeployer)).toBe(false);
    expect(isWithin({ role: 'admin', apps: ['shop'], environments: ['staging'] }, stagingDeployer)).toBe(false);
  });
});
