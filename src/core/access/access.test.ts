import { describe, expect, it } from 'vitest';
import { allows, describeAccess, FULL_ACCESS, isWithin, narrowAccess, type Access, type RoleBinding } from './access.js';
import { PERMISSIONS, ROLE_NAMES, ROLES } from './roles.js';

const bind = (role: RoleBinding['role'], apps: string[], environments: string[]): RoleBinding => ({ role, apps, environments });
const stagingDeployer: Access = [bind('deployer', ['shop'], ['staging'])];

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
    expect(allows([{ role: 'admin', apps: ['shop'], environments: ['*'] }], 'tokens')).toBe(false);
    expect(allows(FULL_ACCESS, 'tokens')).toBe(true);
    expect(allows([{ role: 'release-manager', apps: ['*'], environments: ['*'] }], 'windows')).toBe(true);
    expect(allows([{ role: 'release-manager', apps: ['*'], environments: ['*'] }], 'tokens')).toBe(false);
  });

  it('each role holds exactly its permissions', () => {
    for (const role of ROLE_NAMES) {
      for (const permission of PERMISSIONS) {
        expect(allows([{ role, apps: ['*'], environments: ['*'] }], permission), `${role} ${permission}`).toBe((ROLES[role] as readonly string[]).includes(permission));
      }
    }
  });

  it('a token can only be narrower than its creator', () => {
    expect(isWithin(stagingDeployer, FULL_ACCESS)).toBe(true);
    expect(isWithin([{ role: 'viewer', apps: ['shop'], environments: ['staging'] }], stagingDeployer)).toBe(true);
    expect(isWithin([{ role: 'deployer', apps: ['shop'], environments: ['production'] }], stagingDeployer)).toBe(false);
    expect(isWithin([{ role: 'deployer', apps: ['*'], environments: ['staging'] }], stagingDeployer)).toBe(false);
    expect(isWithin([{ role: 'admin', apps: ['shop'], environments: ['staging'] }], stagingDeployer)).toBe(false);
  });

  describe('narrowAccess: a token never does more than its user may now', () => {
    const everywhere = (role: RoleBinding['role']): Access => [bind(role, ['*'], ['*'])];

    it('keeps the token as it is when the user holds at least as much', () => {
      expect(narrowAccess(stagingDeployer, FULL_ACCESS)).toEqual(stagingDeployer);
      expect(narrowAccess(everywhere('viewer'), everywhere('deployer'))).toEqual(everywhere('viewer'));
    });

    it('lowers the role to what the user has now', () => {
      expect(narrowAccess(everywhere('deployer'), everywhere('viewer'))).toEqual(everywhere('viewer'));
      expect(narrowAccess(FULL_ACCESS, everywhere('release-manager'))).toEqual(everywhere('release-manager'));
      expect(narrowAccess(everywhere('release-manager'), everywhere('admin'))[0]!.role).toBe('release-manager');
    });

    it('picks the widest role inside the common permissions when none matches them exactly', () => {
      // deployer (read, deploy, change) ∩ approver (read, approve) = read: viewer.
      expect(narrowAccess(everywhere('deployer'), everywhere('approver'))[0]!.role).toBe('viewer');
      // release-manager ∩ deployer = read, deploy, change: exactly deployer.
      expect(narrowAccess(everywhere('release-manager'), everywhere('deployer'))[0]!.role).toBe('deployer');
      for (const tokenRole of ROLE_NAMES) {
        for (const userRole of ROLE_NAMES) {
          const narrowed = narrowAccess(everywhere(tokenRole), everywhere(userRole));
          expect(isWithin(narrowed, everywhere(tokenRole)), `${tokenRole} ∩ ${userRole}`).toBe(true);
          expect(isWithin(narrowed, everywhere(userRole)), `${tokenRole} ∩ ${userRole}`).toBe(true);
          expect(narrowAccess(everywhere(userRole), everywhere(tokenRole))).toEqual(narrowed);
        }
      }
    });

    it('intersects the scopes, so a user moved off production takes their tokens with them', () => {
      const token: Access = [{ role: 'deployer', apps: ['*'], environments: ['staging', 'production'] }];
      const narrowed = narrowAccess(token, [{ role: 'deployer', apps: ['shop', 'cart'], environments: ['staging'] }]);
      expect(narrowed).toEqual([{ role: 'deployer', apps: ['shop', 'cart'], environments: ['staging'] }]);
      expect(allows(narrowed, 'deploy', { app: 'shop', environment: 'production' })).toBe(false);
      const disjoint = narrowAccess([{ role: 'deployer', apps: ['shop'], environments: ['*'] }], [{ role: 'deployer', apps: ['cart'], environments: ['*'] }]);
      expect(disjoint).toEqual([]);
      expect(allows(disjoint, 'deploy', { app: 'shop', environment: 'staging' })).toBe(false);
      expect(allows(disjoint, 'deploy', { app: 'cart', environment: 'staging' })).toBe(false);
      // A global permission needs everything on both sides.
      expect(allows(narrowAccess(FULL_ACCESS, [{ role: 'admin', apps: ['*'], environments: ['staging'] }]), 'tokens')).toBe(false);
    });
  });

  describe('several bindings: the union of what each grants', () => {
    // Deploys anything to staging, approves shop in production, reads everything.
    const person: Access = [bind('deployer', ['*'], ['staging']), bind('approver', ['shop'], ['production']), bind('viewer', ['*'], ['*'])];

    it('allows what any one binding allows, and nothing across bindings', () => {
      expect(allows(person, 'deploy', { app: 'cart', environment: 'staging' })).toBe(true);
      expect(allows(person, 'approve', { app: 'shop', environment: 'production' })).toBe(true);
      expect(allows(person, 'read', { app: 'cart', environment: 'production' })).toBe(true);
      expect(allows(person, 'deploy', { app: 'shop', environment: 'production' })).toBe(false);
      expect(allows(person, 'approve', { app: 'cart', environment: 'production' })).toBe(false);
      expect(allows(person, 'approve', { app: 'shop', environment: 'staging' })).toBe(false);
      expect(allows([], 'read')).toBe(false);
    });

    it('isWithin is exact for unions: two bindings together may hold what neither holds alone', () => {
      const split: Access = [bind('deployer', ['shop'], ['staging']), bind('deployer', ['cart'], ['staging'])];
      expect(isWithin([bind('deployer', ['shop', 'cart'], ['staging'])], split)).toBe(true);
      expect(isWithin([bind('deployer', ['shop', 'cart', 'blog'], ['staging'])], split)).toBe(false);
      // Named applications never add up to `*`: it includes the ones not made yet.
      expect(isWithin([bind('deployer', ['*'], ['staging'])], split)).toBe(false);
      expect(isWithin(person, person)).toBe(true);
      expect(isWithin([bind('release-manager', ['*'], ['staging'])], person)).toBe(false);
      // A global permission of a binding that is not on everything grants nothing, so it needs nothing.
      expect(isWithin([bind('admin', ['shop'], ['staging'])], [bind('admin', ['shop'], ['staging'])])).toBe(true);
      expect(isWithin(FULL_ACCESS, [bind('admin', ['*'], ['staging']), bind('admin', ['*'], ['production'])])).toBe(false);
      expect(isWithin([], [])).toBe(true);
    });

    it('narrows a token by each of the user bindings', () => {
      const narrowed = narrowAccess([bind('deployer', ['shop'], ['*'])], person);
      expect(narrowed).toEqual([bind('deployer', ['shop'], ['staging']), bind('viewer', ['shop'], ['production']), bind('viewer', ['shop'], ['*'])]);
      expect(allows(narrowed, 'deploy', { app: 'shop', environment: 'staging' })).toBe(true);
      expect(allows(narrowed, 'deploy', { app: 'shop', environment: 'production' })).toBe(false);
      expect(allows(narrowed, 'read', { app: 'cart' })).toBe(false);
      expect(narrowAccess(FULL_ACCESS, [])).toEqual([]);
    });

    it('describes every binding', () => {
      expect(describeAccess(person)).toBe('deployer on every application × staging; approver on shop × production; viewer on every application × every environment');
      expect(describeAccess([])).toBe('no access');
    });
  });
});
