import { expect, it } from 'vitest';
import { parseGroupRoleMap, roleForGroups } from './group-roles.js';

it('maps groups to the widest role among them, viewer by default, and refuses bad maps', () => {
  const map = parseGroupRoleMap('cab=approver, platform=admin,dev=deployer');
  expect(roleForGroups(map, ['dev', 'platform'])).toBe('admin');
  expect(roleForGroups(map, ['cab'])).toBe('approver');
  expect(roleForGroups(map, ['nobody', 'toString'])).toBe('viewer');
  expect(roleForGroups(parseGroupRoleMap(''), ['cab'])).toBe('viewer');
  expect(() => parseGroupRoleMap('cab=emperor')).toThrow(/emperor is not a role/);
  expect(() => parseGroupRoleMap('cab')).toThrow(/not group=role/);
});
