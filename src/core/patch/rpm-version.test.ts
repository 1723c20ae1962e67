import { describe, expect, it } from 'vitest';
import { compareRpmVersions, rpmvercmp } from './rpm-version.js';

// No property test against the real implementation here, unlike debian-version (test/patch/dpkg-version-compare.test.ts):
// rpm (and `rpmdev-vercmp`) is not installed on the development machine or in CI. The rpmvercmp rows below come from
// rpm's own test suite (tests/rpmvercmp.at), whose expectations are those of librpm.
const RPMVERCMP: ReadonlyArray<readonly [string, string, -1 | 0 | 1]> = [
  ['1.0', '1.0', 0],
  ['1.0', '2.0', -1],
  ['2.0', '1.0', 1],
  ['2.0.1', '2.0.1', 0],
  ['2.0', '2.0.1', -1],
  ['2.0.1', '2.0', 1],
  ['2.0.1a', '2.0.1a', 0],
  ['2.0.1a', '2.0.1', 1],
  ['2.0.1', '2.0.1a', -1],
  ['5.5p1', '5.5p1', 0],
  ['5.5p1', '5.5p2', -1],
  ['5.5p2', '5.5p1', 1],
  ['5.5p10', '5.5p10', 0],
  ['5.5p1', '5.5p10', -1],
  ['5.5p10', '5.5p1', 1],
  ['10xyz', '10.1xyz', -1],
  ['10.1xyz', '10xyz', 1],
  ['xyz10', 'xyz10', 0],
  ['xyz10', 'xyz10.1', -1],
  ['xyz10.1', 'xyz10', 1],
  ['xyz.4', 'xyz.4', 0],
  ['xyz.4', '8', -1],
  ['8', 'xyz.4', 1],
  ['xyz.4', '2', -1],
  ['2', 'xyz.4', 1],
  ['5.5p2', '5.6p1', -1],
  ['5.6p1', '5.5p2', 1],
  ['5.6p1', '6.5p1', -1],
  ['6.5p1', '5.6p1', 1],
  ['6.0.rc1', '6.0', 1],
  ['6.0', '6.0.rc1', -1],
  ['10b2', '10a1', 1],
  ['10a2', '10b2', -1],
  ['1.0aa', '1.0aa', 0],
  ['1.0a', '1.0aa', -1],
  ['1.0aa', '1.0a', 1],
  ['10.0001', '10.0001', 0],
  ['10.0001', '10.1', 0],
  ['10.1', '10.0001', 0],
  ['10.0001', '10.0039', -1],
  ['10.0039', '10.0001', 1],
  ['4.999.9', '5.0', -1],
  ['5.0', '4.999.9', 1],
  ['20101121', '20101121', 0],
  ['20101121', '20101122', -1],
  ['20101122', '20101121', 1],
  ['2_0', '2_0', 0],
  ['2.0', '2_0', 0],
  ['2_0', '2.0', 0],
  ['a', 'a', 0],
  ['a+', 'a+', 0],
  ['a+', 'a_', 0],
  ['a_', 'a+', 0],
  ['+a', '+a', 0],
  ['+a', '_a', 0],
  ['_a', '+a', 0],
  ['+_', '+_', 0],
  ['_+', '+_', 0],
  ['_+', '_+', 0],
  ['+', '_', 0],
  ['_', '+', 0],
  ['1.0~rc1', '1.0~rc1', 0],
  ['1.0~rc1', '1.0', -1],
  ['1.0', '1.0~rc1', 1],
  ['1.0~rc1', '1.0~rc2', -1],
  ['1.0~rc2', '1.0~rc1', 1],
  ['1.0~rc1~git123', '1.0~rc1~git123', 0],
  ['1.0~rc1~git123', '1.0~rc1', -1],
  ['1.0~rc1', '1.0~rc1~git123', 1],
  ['1.0^', '1.0^', 0],
  ['1.0^', '1.0', 1],
  ['1.0', '1.0^', -1],
  ['1.0^git1', '1.0^git1', 0],
  ['1.0^git1', '1.0', 1],
  ['1.0', '1.0^git1', -1],
  ['1.0^git1', '1.0^git2', -1],
  ['1.0^git2', '1.0^git1', 1],
  ['1.0^git1', '1.01', -1],
  ['1.01', '1.0^git1', 1],
  ['1.0^20160101', '1.0^20160101', 0],
  ['1.0^20160101', '1.0.1', -1],
  ['1.0.1', '1.0^20160101', 1],
  ['1.0^20160101^git1', '1.0^20160101^git1', 0],
  ['1.0^20160102', '1.0^20160101^git1', 1],
  ['1.0^20160101^git1', '1.0^20160102', -1],
  ['1.0~rc1^git1', '1.0~rc1^git1', 0],
  ['1.0~rc1^git1', '1.0~rc1', 1],
  ['1.0~rc1', '1.0~rc1^git1', -1],
  ['1.0^git1~pre', '1.0^git1~pre', 0],
  ['1.0^git1', '1.0^git1~pre', 1],
  ['1.0^git1~pre', '1.0^git1', -1],
];

describe('rpmvercmp', () => {
  it.each(RPMVERCMP)('rpmvercmp(%j, %j) = %i', (a, b, expected) => {
    expect(rpmvercmp(a, b)).toBe(expected);
  });

  it('compares arbitrarily long numeric segments by value', () => {
    expect(rpmvercmp('1.000000000000000000000000000000002', '1.2')).toBe(0);
    expect(rpmvercmp('100000000000000000000000000000000', '99999999999999999999999999999999')).toBe(1);
  });

  it('makes a numeric segment newer than an alphabetic one', () => {
    expect(rpmvercmp('1.0a', '1.0.1')).toBe(-1);
    expect(rpmvercmp('1.a', '1.1')).toBe(-1);
  });
});

describe('compareRpmVersions', () => {
  const CASES: ReadonlyArray<readonly [string, '<' | '=' | '>', string]> = [
    ['1.0', '<', '1.0.1'],
    ['1.0a', '<', '1.0.1'],
    ['1.0~rc1', '<', '1.0'],
    ['1.0^', '>', '1.0'],
    ['1.0^', '<', '1.0.1'],
    ['2:1.0', '>', '1:9.9'],
    ['1:1.0', '>', '9.9'],
    ['0:1.0', '=', '1.0'],
    [':1.0', '=', '0:1.0'],
    ['1.0-1.el9', '<', '1.0-2.el9'],
    ['1.0-10.el9', '>', '1.0-9.el9'],
    ['1.0-1.el9_2', '>', '1.0-1.el9'],
    ['1.0-1.el8', '<', '1.0-1.el9'],
    ['1.0.1-1', '>', '1.0-99'],
    // The release is everything after the last hyphen.
    ['1.0-rc1-2', '>', '1.0-rc1-1'],
    // A missing release on either side matches any release (rpm's dependency-range rule).
    ['1.0', '=', '1.0-5.el9'],
    ['1.0-5.el9', '=', '1.0'],
    ['1.1', '>', '1.0-5.el9'],
    ['5.14.0-362.8.1.el9_3', '<', '5.14.0-362.13.1.el9_3'],
  ];

  it.each(CASES)('%s %s %s', (a, relation, b) => {
    const expected = relation === '<' ? -1 : relation === '=' ? 0 : 1;
    expect(Math.sign(compareRpmVersions(a, b))).toBe(expected);
    expect(Math.sign(compareRpmVersions(b, a))).toBe(expected === 0 ? 0 : -expected);
  });

  it('sorts kernel-style EVRs', () => {
    const versions = ['1:1.0-1', '1.0-1', '1.0~beta-1', '1.0^post1-1', '1.0.1-1', '1.0-2'];
    expect([...versions].sort(compareRpmVersions)).toEqual(['1.0~beta-1', '1.0-1', '1.0-2', '1.0^post1-1', '1.0.1-1', '1:1.0-1']);
  });
});
