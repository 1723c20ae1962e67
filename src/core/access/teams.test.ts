import { expect, it } from 'vitest';
import { allows, type RoleBinding } from './access.js';
import { accessWithTeams, teamsForClaims, type Team } from './teams.js';

const team = (name: string, bindings: RoleBinding[], ssoGroups: string[] = []): Team => ({ name, displayName: null, ssoGroups, bindings });
const teams = [
  team('cab', [{ role: 'approver', apps: ['*'], environments: ['production'] }], ['CN=Change Board,OU=Groups']),
  team('web', [{ role: 'deployer', apps: ['shop'], environments: ['*'] }]),
];

it('gives members the bindings of their teams on top of their own', () => {
  const own: RoleBinding[] = [{ role: 'viewer', apps: ['*'], environments: ['*'] }];
  const access = accessWithTeams(own, ['cab', 'not-a-team'], teams);
  expect(access).toEqual([...own, ...teams[0]!.bindings]);
  expect(allows(access, 'approve', { app: 'cart', environment: 'production' })).toBe(true);
  expect(allows(access, 'deploy', { app: 'shop', environment: 'staging' })).toBe(false);
  expect(accessWithTeams([], [], teams)).toEqual([]);
});

it('maps group claims to teams by name or by the claims a team lists', () => {
  expect(teamsForClaims(['CN=Change Board,OU=Groups', 'web', 'other'], teams)).toEqual(['cab', 'web']);
  expect(teamsForClaims(['Change Board'], teams)).toEqual([]);
});
