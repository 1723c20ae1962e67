import { describe, expect, it } from 'vitest';
import { compareDebianVersions, isDebianVersion } from './debian-version.js';

const sign = (value: number): number => Math.sign(value);

// Each row: a, expected order ('<', '=', '>'), b. Every expectation was checked against dpkg 1.21's
// `dpkg --compare-versions`; many rows come from dpkg's and apt's own version tests.
const CASES: ReadonlyArray<readonly [string, '<' | '=' | '>', string]> = [
  ['1.0~rc1', '<', '1.0'],
  ['1:0.1', '>', '2.0'],
  ['1.0-1', '<', '1.0-1+b1'],
  ['1.0', '=', '1.0-0'],
  ['2.0-1~bpo', '<', '2.0-1'],
  ['1.2.3a', '>', '1.2.3'],
  ['1.10', '>', '1.9'],
  ['0.0', '=', '0.00'],
  ['0', '=', '00'],
  ['1.0', '>', '1.0-0~'],
  ['1.0~', '>', '1.0~~'],
  ['1.0~~a', '>', '1.0~~'],
  ['1.0a', '<', '1.0+'],
  ['1.0+', '<', '1.0.'],
  ['1.0.1', '>', '1.0a'],
  ['1.0A', '<', '1.0a'],
  ['1.0Z', '<', '1.0a'],
  ['a', '>', '1'],
  ['7.6p2-4', '>', '7.6-0'],
  ['98.1p5-1', '<', '98.1-pre2-b6-2'],
  ['0:0-0-0', '>', '0-0'],
  ['1:3.0.5-2', '<', '1:3.0.5.1'],
  ['1.2.3', '=', '0:1.2.3'],
  ['0-pre', '<', '0-pree'],
  ['1.1.6r2-2', '>', '1.1.6r-1'],
  ['2.6b2-1', '>', '2.6b-2'],
  ['1.0', '<', '1.0-0+b1'],
  ['1:2:3', '<', '1:2:30'],
  ['1.0-a-b', '<', '1.0-a-c'],
  ['000000000000000000000000000000001', '=', '1'],
  ['100000000000000000000000000000000', '>', '99999999999999999999999999999999'],
  ['+1:1.0', '>', '9.0'],
  ['-0:1.0', '=', '1.0'],
  [' 1.0 ', '=', '1.0'],
  ['2147483647:1', '>', '2147483646:9'],
];

describe('compareDebianVersions', () => {
  it.each(CASES)('%s %s %s', (a, relation, b) => {
    const expected = relation === '<' ? -1 : relation === '=' ? 0 : 1;
    expect(sign(compareDebianVersions(a, b))).toBe(expected);
    expect(sign(compareDebianVersions(b, a))).toBe(expected === 0 ? 0 : -expected);
  });

  it('orders by epoch first, as dpkg’s own tests do', () => {
    expect(compareDebianVersions('0:0-0', '1:0-0')).toBeLessThan(0);
    expect(compareDebianVersions('1:0-0', '0:9-9')).toBeGreaterThan(0);
    expect(compareDebianVersions('0-00', '00-0')).toBe(0);
  });

  it('sorts a list the way apt does', () => {
    const sorted = ['1.0', '1.0~beta1', '1:0.9', '1.0-1', '1.0~rc1', '1.0+dfsg-1', '1.0-1~bpo11+1', '0.9.10', '0.9.9'];
    expect([...sorted].sort(compareDebianVersions)).toEqual([
      '0.9.9',
      '0.9.10',
      '1.0~beta1',
      '1.0~rc1',
      '1.0',
      '1.0-1~bpo11+1',
      '1.0-1',
      '1.0+dfsg-1',
      '1:0.9',
    ]);
  });

  it('orders bytes outside ASCII after letters and before punctuation, as dpkg on amd64 does', () => {
    expect(compareDebianVersions('1.0é', '1.0z')).toBeGreaterThan(0);
    expect(compareDebianVersions('1.0é', '1.0+')).toBeLessThan(0);
  });

  it('is total on strings dpkg refuses', () => {
    expect(() => compareDebianVersions('', '1:')).not.toThrow();
    expect(compareDebianVersions('x:1', 'x:1')).toBe(0);
  });
});

describe('isDebianVersion', () => {
  it.each(['1.0', '1:2.3-4', '0', '1.0~rc1+dfsg-1ubuntu0.22.04.1', '1:2:3', '1.0-a-b', '+1:1', '-0:1', ' 1.0\t', 'a', '1.0é', '1_0', '2147483647:0'])(
    'accepts %j',
    (value) => expect(isDebianVersion(value)).toBe(true),
  );

  it.each(['', '  ', '1:', ':1', 'a:1', '1a:1', '-1:1', '2147483648:1', '1.0-', '-1', '1:-1', '1 0', '1.0\0'])(
    'refuses %j',
    (value) => expect(isDebianVersion(value)).toBe(false),
  );
});
