import { describe, expect, it } from 'vitest';
import type { TargetPackages } from '../patch/model.js';
import { checksNeeded, compareAgentVersions, evaluatePolicy, NO_FACTS_REASON } from './evaluate.js';
import type { Policy, PolicyFacts, PolicyRule } from './model.js';

function policy(rules: PolicyRule[], targets: Record<string, string> = {}): Policy {
  return { name: 'baseline', description: '', resolution: '', targets, rules };
}

function debian12(packages: Record<string, string>, versionId = '12'): TargetPackages {
  return { os: { id: 'debian', versionId }, format: 'dpkg', packages: new Map(Object.entries(packages)), reportedAt: '2024-09-10T00:00:00.000Z' };
}

const GiB = 1024 ** 3;

function facts(overrides: Partial<PolicyFacts> = {}): PolicyFacts {
  return {
    packages: debian12({ openssl: '3.0.15-1~deb12u1', bash: '5.2.15-2+b7' }),
    agentVersion: '0.2.0',
    disks: [
      { mount: '/', sizeBytes: 100 * GiB, freeBytes: 42 * GiB },
      { mount: '/var', sizeBytes: 100 * GiB, freeBytes: 4.2 * GiB },
    ],
    checks: null,
    ...overrides,
  };
}

const on = (f: PolicyFacts | null, labels: Record<string, string> = {}) => ({ labels, facts: f });

const pkg = (name: string, present = true, minVersion: string | null = null): PolicyRule => ({ kind: 'package', name, present, minVersion });

describe('evaluatePolicy', () => {
  it('is unknown without facts', () => {
    expect(evaluatePolicy(policy([pkg('openssl')]), on(null))).toEqual({ state: 'unknown', reasons: [NO_FACTS_REASON] });
    expect(NO_FACTS_REASON).toBe('no facts reported in the last 7 days');
  });

  it('is not applicable when the selector does not pick the target, facts or not', () => {
    const scoped = policy([pkg('openssl')], { env: 'prod' });
    expect(evaluatePolicy(scoped, on(facts(), { env: 'staging' }))).toEqual({ state: 'not_applicable', reasons: [] });
    expect(evaluatePolicy(scoped, on(null, {}))).toEqual({ state: 'not_applicable', reasons: [] });
    expect(evaluatePolicy(scoped, on(facts(), { env: 'prod', role: 'web' })).state).toBe('pass');
  });

  it('applies to every target with an empty selector', () => {
    expect(evaluatePolicy(policy([pkg('openssl')]), on(facts(), { anything: 'x' })).state).toBe('pass');
  });

  it('passes with no rules', () => {
    expect(evaluatePolicy(policy([]), on(facts()))).toEqual({ state: 'pass', reasons: [] });
  });

  describe('package rules', () => {
    it('passes when a required package is installed at or above the minimum', () => {
      expect(evaluatePolicy(policy([pkg('openssl'), pkg('openssl', true, '3.0.15-1~deb12u1'), pkg('bash', true, '5.2')]), on(facts()))).toEqual({ state: 'pass', reasons: [] });
    });

    it('fails when a required package is missing', () => {
      expect(evaluatePolicy(policy([pkg('auditd')]), on(facts()))).toEqual({ state: 'fail', reasons: ['package auditd is not installed'] });
      expect(evaluatePolicy(policy([pkg('auditd', true, '1:3.0.9-1')]), on(facts())).reasons).toEqual(['package auditd is not installed (1:3.0.9-1 or later is required)']);
    });

    it('fails below the minimum by the package format ordering', () => {
      const old = facts({ packages: debian12({ openssl: '3.0.11-1~deb12u2' }) });
      expect(evaluatePolicy(policy([pkg('openssl', true, '3.0.15-1~deb12u1')]), on(old))).toEqual({
        state: 'fail',
        reasons: ['package openssl 3.0.11-1~deb12u2 is below 3.0.15-1~deb12u1'],
      });
      // dpkg: a tilde sorts before the release, so ~deb12u1 is below the plain version.
      const tilde = facts({ packages: debian12({ openssl: '3.0.15-1~deb12u1' }) });
      expect(evaluatePolicy(policy([pkg('openssl', true, '3.0.15-1')]), on(tilde)).state).toBe('fail');
    });

    it('compares rpm versions with rpm ordering', () => {
      const rocky: TargetPackages = { os: { id: 'rocky', versionId: '9.4' }, format: 'rpm', packages: new Map([['openssl', '3.0.7-27.el9']]), reportedAt: '2024-09-10T00:00:00.000Z' };
      expect(evaluatePolicy(policy([pkg('openssl', true, '3.0.7-25.el9')]), on(facts({ packages: rocky }))).state).toBe('pass');
      expect(evaluatePolicy(policy([pkg('openssl', true, '3.0.7-28.el9')]), on(facts({ packages: rocky }))).state).toBe('fail');
    });

    it('passes when a forbidden package is absent and fails when it is installed', () => {
      expect(evaluatePolicy(policy([pkg('telnetd', false)]), on(facts())).state).toBe('pass');
      const withTelnet = facts({ packages: debian12({ telnetd: '0.17-44' }) });
      expect(evaluatePolicy(policy([pkg('telnetd', false)]), on(withTelnet))).toEqual({ state: 'fail', reasons: ['package telnetd is installed (0.17-44), it must not be'] });
    });

    it('is unknown without a package list', () => {
      expect(evaluatePolicy(policy([pkg('telnetd', false)]), on(facts({ packages: null })))).toEqual({
        state: 'unknown',
        reasons: ['package telnetd cannot be checked: the target reports no package manager'],
      });
    });
  });

  describe('os rules', () => {
    const os = (ids: string[], versions: string[] = []): PolicyRule => ({ kind: 'os', ids, versions });

    it('passes on a listed ID and version, the version matched as a prefix at a dot', () => {
      expect(evaluatePolicy(policy([os(['debian'], ['12'])]), on(facts())).state).toBe('pass');
      expect(evaluatePolicy(policy([os(['debian'], ['12'])]), on(facts({ packages: debian12({}, '12.5') }))).state).toBe('pass');
      expect(evaluatePolicy(policy([os(['ubuntu', 'debian'])]), on(facts())).state).toBe('pass');
      // `1` is not a prefix of `12` at a dot.
      expect(evaluatePolicy(policy([os(['debian'], ['1'])]), on(facts())).state).toBe('fail');
    });

    it('fails on another version or ID', () => {
      expect(evaluatePolicy(policy([os(['debian'], ['12'])]), on(facts({ packages: debian12({}, '11') })))).toEqual({ state: 'fail', reasons: ['os debian 11 is not supported (debian 12)'] });
      expect(evaluatePolicy(policy([os(['ubuntu', 'rocky'], ['22.04', '9'])]), on(facts())).reasons).toEqual(['os debian 12 is not supported (ubuntu or rocky, version 22.04 or 9)']);
      expect(evaluatePolicy(policy([os(['ubuntu'])]), on(facts())).reasons).toEqual(['os debian 12 is not supported (ubuntu)']);
    });

    it('is unknown without a package report (which carries os-release)', () => {
      expect(evaluatePolicy(policy([os(['debian'])]), on(facts({ packages: null })))).toEqual({
        state: 'unknown',
        reasons: ['os cannot be checked: the target reports no os-release (no package report)'],
      });
    });
  });

  describe('agentVersion rules', () => {
    const agent = (min: string): PolicyRule => ({ kind: 'agentVersion', min });

    it('passes at or above the minimum', () => {
      expect(evaluatePolicy(policy([agent('0.2.0'), agent('0.1.9'), agent('0.2')]), on(facts())).state).toBe('pass');
    });

    it('fails below it', () => {
      expect(evaluatePolicy(policy([agent('0.2.0')]), on(facts({ agentVersion: '0.1.0' })))).toEqual({ state: 'fail', reasons: ['agent 0.1.0 is older than 0.2.0'] });
      expect(evaluatePolicy(policy([agent('0.2.0')]), on(facts({ agentVersion: '0.2.0-rc1' }))).state).toBe('fail');
    });

    it('is unknown when the reported version is not a version', () => {
      expect(evaluatePolicy(policy([agent('0.2.0')]), on(facts({ agentVersion: 'dev' })))).toEqual({ state: 'unknown', reasons: ['agent version "dev" cannot be compared with 0.2.0'] });
    });
  });

  describe('diskFree rules', () => {
    const disk = (mount: string, minPercent: number): PolicyRule => ({ kind: 'diskFree', mount, minPercent });

    it('passes with enough free space', () => {
      expect(evaluatePolicy(policy([disk('/', 10), disk('/', 42), disk('/var', 0)]), on(facts())).state).toBe('pass');
    });

    it('fails below the minimum, with the share free', () => {
      expect(evaluatePolicy(policy([disk('/var', 10)]), on(facts()))).toEqual({ state: 'fail', reasons: ['/var has 4.2% free, below 10%'] });
    });

    it('rounds the share down so it never reads as the minimum', () => {
      const nearly = facts({ disks: [{ mount: '/', sizeBytes: 10_000, freeBytes: 996 }] });
      expect(evaluatePolicy(policy([disk('/', 10)]), on(nearly)).reasons).toEqual(['/ has 9.9% free, below 10%']);
    });

    it('matches mounts with or without a trailing slash', () => {
      expect(evaluatePolicy(policy([disk('/var/', 10)]), on(facts())).reasons).toEqual(['/var has 4.2% free, below 10%']);
    });

    it('is unknown when the mount is not reported', () => {
      expect(evaluatePolicy(policy([disk('/data', 10)]), on(facts()))).toEqual({ state: 'unknown', reasons: ['/data cannot be checked: it is not among the reported mounts (/, /var)'] });
      expect(evaluatePolicy(policy([disk('/', 10)]), on(facts({ disks: [] }))).reasons).toEqual(['/ cannot be checked: it is not among the reported mounts (none)']);
    });

    it('is unknown when the mount reports no size', () => {
      expect(evaluatePolicy(policy([disk('/', 10)]), on(facts({ disks: [{ mount: '/', sizeBytes: 0, freeBytes: 0 }] }))).state).toBe('unknown');
    });
  });

  describe('combining rules', () => {
    it('gives one reason per failed rule, in rule order', () => {
      const bad = facts({ packages: debian12({ telnetd: '0.17-44', openssl: '3.0.11-1~deb12u2' }, '11'), agentVersion: '0.1.0' });
      const result = evaluatePolicy(
        policy([pkg('telnetd', false), pkg('openssl', true, '3.0.15-1~deb12u1'), { kind: 'os', ids: ['debian'], versions: ['12'] }, { kind: 'agentVersion', min: '0.2.0' }, { kind: 'diskFree', mount: '/var', minPercent: 10 }]),
        on(bad),
      );
      expect(result).toEqual({
        state: 'fail',
        reasons: [
          'package telnetd is installed (0.17-44), it must not be',
          'package openssl 3.0.11-1~deb12u2 is below 3.0.15-1~deb12u1',
          'os debian 11 is not supported (debian 12)',
          'agent 0.1.0 is older than 0.2.0',
          '/var has 4.2% free, below 10%',
        ],
      });
    });

    it('fails rather than unknown when one rule fails and another cannot be decided', () => {
      const result = evaluatePolicy(policy([pkg('openssl'), { kind: 'agentVersion', min: '0.3.0' }]), on(facts({ packages: null })));
      expect(result).toEqual({ state: 'fail', reasons: ['agent 0.2.0 is older than 0.3.0'] });
    });

    it('is unknown when nothing fails but a rule cannot be decided', () => {
      const result = evaluatePolicy(policy([{ kind: 'agentVersion', min: '0.2.0' }, pkg('openssl'), { kind: 'diskFree', mount: '/data', minPercent: 5 }]), on(facts({ packages: null })));
      expect(result).toEqual({
        state: 'unknown',
        reasons: ['package openssl cannot be checked: the target reports no package manager', '/data cannot be checked: it is not among the reported mounts (/, /var)'],
      });
    });
  });
});

describe('compareAgentVersions', () => {
  const sign = (a: string, b: string) => Math.sign(compareAgentVersions(a, b) ?? Number.NaN);

  it('compares dotted numbers part by part, missing parts as 0', () => {
    expect(sign('1.10.0', '1.9.3')).toBe(1);
    expect(sign('1.2', '1.2.0')).toBe(0);
    expect(sign('1.2.0.1', '1.2')).toBe(1);
    expect(sign('0.1.0', '0.2.0')).toBe(-1);
    expect(sign('01.002', '1.2')).toBe(0);
    expect(sign('v1.2.0', '1.2.0')).toBe(0);
    expect(sign('12345678901234567890.0', '12345678901234567891.0')).toBe(-1);
  });

  it('sorts a pre-release before its release, and pre-releases naturally', () => {
    expect(sign('1.2.0-rc1', '1.2.0')).toBe(-1);
    expect(sign('1.2.0', '1.2.0-rc1')).toBe(1);
    expect(sign('1.2.0-rc1', '1.1.9')).toBe(1);
    expect(sign('1.2.0-rc2', '1.2.0-rc10')).toBe(-1);
    expect(sign('1.2.0-alpha', '1.2.0-beta')).toBe(-1);
    expect(sign('1.2.0-rc1', '1.2.0-rc1')).toBe(0);
  });

  it('ignores build metadata', () => {
    expect(sign('1.2.0+build.5', '1.2.0')).toBe(0);
  });

  it('is null when either is not a version', () => {
    expect(compareAgentVersions('dev', '1.0.0')).toBeNull();
    expect(compareAgentVersions('1.0.0', '')).toBeNull();
    expect(compareAgentVersions('1..0', '1.0')).toBeNull();
  });
});

describe('file and service rules', () => {
  const file = (overrides: Partial<Extract<PolicyRule, { kind: 'file' }>> = {}): PolicyRule => ({ kind: 'file', path: '/etc/app.conf', exists: true, mode: null, owner: null, contains: null, ...overrides });
  const checked = facts({
    checks: {
      files: [
        { path: '/etc/app.conf', exists: true, mode: '0644', owner: 'root', matches: { '^tls on$': true, '^debug': false } },
        { path: '/etc/gone', exists: false },
      ],
      services: [{ name: 'auditd', running: true }],
    },
  });
  const outcome = (rule: PolicyRule, on: PolicyFacts = checked) => evaluatePolicy({ name: 'p', description: '', resolution: '', targets: {}, rules: [rule] }, { labels: {}, facts: on });

  it('passes or fails on what the check found, each problem in words', () => {
    expect(outcome(file({ mode: '0644', owner: 'root', contains: '^tls on$' }))).toEqual({ state: 'pass', reasons: [] });
    expect(outcome(file({ mode: '0600', owner: 'app', contains: '^debug' }))).toEqual({
      state: 'fail',
      reasons: ['file /etc/app.conf: its mode is 0644, not 0600, its owner is root, not app, no line matches /^debug/'],
    });
    expect(outcome(file({ path: '/etc/gone' }))).toEqual({ state: 'fail', reasons: ['file /etc/gone does not exist'] });
    expect(outcome(file({ path: '/etc/gone', exists: false }))).toEqual({ state: 'pass', reasons: [] });
    expect(outcome(file({ exists: false }))).toEqual({ state: 'fail', reasons: ['file /etc/app.conf exists, it must not'] });
    expect(outcome({ kind: 'service', name: 'auditd', running: true })).toEqual({ state: 'pass', reasons: [] });
    expect(outcome({ kind: 'service', name: 'auditd', running: false })).toEqual({ state: 'fail', reasons: ['service auditd is running, it must not be'] });
  });

  it('is unknown, never passing, for what has not been looked at', () => {
    expect(outcome(file({ path: '/etc/other' }))).toEqual({ state: 'unknown', reasons: ['file /etc/other has not been checked on the target yet (gantry policy check)'] });
    expect(outcome(file({ contains: '^new pattern' }))).toEqual({ state: 'unknown', reasons: ['file /etc/app.conf has not been checked for /^new pattern/ yet (gantry policy check)'] });
    expect(outcome({ kind: 'service', name: 'sshd', running: true }, facts())).toEqual({ state: 'unknown', reasons: ['service sshd has not been checked on the target yet (gantry policy check)'] });
  });

  it('asks a target about each file once, with every pattern, and each service once', () => {
    expect(checksNeeded([file({ contains: 'b' }), file({ contains: 'a' }), file({ path: '/etc/x' }), { kind: 'service', name: 'sshd', running: true }, { kind: 'service', name: 'sshd', running: false }, { kind: 'agentVersion', min: '1' }])).toEqual({
      files: [
        { path: '/etc/app.conf', patterns: ['a', 'b'] },
        { path: '/etc/x', patterns: [] },
      ],
      services: ['sshd'],
    });
  });
});
