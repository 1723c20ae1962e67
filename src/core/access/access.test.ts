import { describe, expect, it } from 'vitest';
import { allows, FULL_ACCESS, isWithin, narrowAccess, type Access } from './access.js';
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

  describe('narrowAccess: a token never does more than its user may now', () => {
    const everywhere = (role: Access['role']): Access => ({ role, apps: ['*'], environments: ['*'] });

    it('keeps the token as it is when the user holds at least as much', () => {
      expect(narrowAccess(stagingDeployer, FULL_ACCESS)).toEqual(stagingDeployer);
      expect(narrowAccess(everywhere('viewer'), everywhere('deployer'))).toEqual(everywhere('viewer'));
    });

    it('lowers the role to what the user has now', () => {
      expect(narrowAccess(everywhere('deployer'), everywhere('viewer'))).toEqual(everywhere('viewer'));
      expect(narrowAccess(FULL_ACCESS, everywhere('release-manager'))).toEqual(everywhere('release-manager'));
      expect(narrowAccess(everywhere('release-manager'), everywhere('admin')).role).toBe('release-manager');
    });

    it('picks the widest role inside the common permissions when none matches them exactly', () => {
      // deployer (read, deploy, change) ∩ approver (read, approve) = read: viewer.
      expect(narrowAccess(everywhere('deployer'), everywhere('approver')).role).toBe('viewer');
      // release-manager ∩ deployer = read, deploy, change: exactly deployer.
      expect(narrowAccess(everywhere('release-manager'), everywhere('deployer')).role).toBe('deployer');
      for (const tokenRole of ROLE_NAMES) {
        for (const userRole of ROLE_NAMES) {
          const narrowed = narrowAccess(everywhere(tokenRole), everywhere(userRole));
          expect(isWithin(narrowed, everywhere(tokenRole)), `${tokenRole} ∩ ${userRole}`).toBe(true);
          expect(isWithin(narrowed, everywhere(userRole)), `${tokenRole} ∩ ${userRole}`).toBe(true);
          expect(narrowAccess(everywhere(userRole), everywhere(tokenRole)).role).toBe(narrowed.role);
        }
      }
    });

    it('intersects the scopes, so a user moved off production takes their tokens with them', () => {
      const token: Access = { role: 'deployer', apps: ['*'], environments: ['staging', 'production'] };
      const narrowed = narrowAccess(token, { role: 'deployer', apps: ['shop', 'cart'], environments: ['staging'] });
      expect(narrowed).toEqual({ role: 'deployer', apps: ['shop', 'cart'], environments: ['staging'] });
      expect(allows(narrowed, 'deploy', { app: 'shop', environment: 'production' })).toBe(false);
      const disjoint = narrowAccess({ role: 'deployer', apps: ['shop'], environments: ['*'] }, { role: 'deployer', apps: ['cart'], environments: ['*'] });
      expect(disjoint.apps).toEqual([]);
      expect(allows(disjoint, 'deploy', { app: 'shop', environment: 'staging' })).toBe(false);
      expect(allows(disjoint, 'deploy', { app: 'cart', environment: 'staging' })).toBe(false);
      // A global permission needs everything on both sides.
      expect(allows(narrowAccess(FULL_ACCESS, { role: 'admin', apps: ['*'], environments: ['staging'] }), 'tokens')).toBe(false);
    });
  });
});
