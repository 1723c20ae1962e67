import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { formatInputProblem, readYamlInput } from '../yaml-input.js';
import { MAX_RULES, policyInputSchema, toPolicy } from './policy-schema.js';

function issues(input: unknown): Array<{ path: string; message: string }> {
  const result = policyInputSchema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

const withRules = (...rules: unknown[]) => ({ name: 'baseline', rules });

describe('policyInputSchema and toPolicy', () => {
  it('reads every rule kind from YAML, with defaults filled in', () => {
    const yaml = `
name: baseline
description: Production baseline
resolution: Run the hardening playbook.
targets: { env: prod }
rules:
  - package: telnetd
    present: false
  - package: openssl
    minVersion: 3.0.15-1~deb12u1
  - package: auditd
  - os: { ids: [debian, ubuntu], versions: ["12", "22.04"] }
  - os: { ids: [rocky] }
  - agentVersion: { min: 0.2.0 }
  - diskFree: { mount: /var/, minPercent: 12.5 }
`;
    expect(toPolicy(policyInputSchema.parse(parse(yaml)))).toEqual({
      name: 'baseline',
      description: 'Production baseline',
      resolution: 'Run the hardening playbook.',
      targets: { env: 'prod' },
      rules: [
        { kind: 'package', name: 'telnetd', present: false, minVersion: null },
        { kind: 'package', name: 'openssl', present: true, minVersion: '3.0.15-1~deb12u1' },
        { kind: 'package', name: 'auditd', present: true, minVersion: null },
        { kind: 'os', ids: ['debian', 'ubuntu'], versions: ['12', '22.04'] },
        { kind: 'os', ids: ['rocky'], versions: [] },
        { kind: 'agentVersion', min: '0.2.0' },
        { kind: 'diskFree', mount: '/var', minPercent: 12.5 },
      ],
    });
  });

  it('defaults description, resolution and selector', () => {
    expect(toPolicy(policyInputSchema.parse(withRules({ diskFree: { mount: '/', minPercent: 10 } })))).toEqual({
      name: 'baseline',
      description: '',
      resolution: '',
      targets: {},
      rules: [{ kind: 'diskFree', mount: '/', minPercent: 10 }],
    });
  });

  it('accepts minVersion with present: true', () => {
    expect(issues(withRules({ package: 'openssl', present: true, minVersion: '3.0.15' }))).toEqual([]);
  });

  it('refuses an unknown rule key, saying what a rule may be', () => {
    expect(issues(withRules({ daemon: 'sshd' }))).toEqual([
      { path: 'rules.0.daemon', message: 'unknown key "daemon": a rule is one of package, os, agentVersion, diskFree, file or service (a package rule may add present and minVersion)' },
    ]);
  });

  it('reads file and service rules, filling in their defaults, and refuses what cannot be checked as written', () => {
    const policy = toPolicy(policyInputSchema.parse({ name: 'ssh', rules: [{ file: { path: '/etc/ssh/sshd_config', mode: '600', contains: '^PermitRootLogin no' } }, { service: { name: 'sshd' } }] }));
    expect(policy.rules).toEqual([
      { kind: 'file', path: '/etc/ssh/sshd_config', exists: true, mode: '0600', owner: null, contains: '^PermitRootLogin no' },
      { kind: 'service', name: 'sshd', running: true },
    ]);
    expect(issues(withRules({ file: { path: '/etc/motd', exists: false, owner: 'root' } }))).toEqual([
      { path: 'rules.0.file', message: 'a file that must not exist has no mode, owner or contents to check: drop them, or drop `exists: false`' },
    ]);
    expect(issues(withRules({ file: { path: '/etc/motd', contains: 'a\tb' } }))).toEqual([{ path: 'rules.0.file.contains', message: 'contains must be one line without tabs' }]);
    expect(issues(withRules({ service: { name: '-oops' } }))).toEqual([{ path: 'rules.0.service.name', message: 'name must be a service name (letters, digits, @ . _ : -)' }]);
  });

  it('refuses two kinds in one rule', () => {
    expect(issues(withRules({ package: 'openssl', os: { ids: ['debian'] } }))).toEqual([
      { path: 'rules.0', message: 'has package and os: a rule checks one thing, write one rule for each' },
    ]);
  });

  it('refuses a rule with no kind, and package options on another kind', () => {
    expect(issues(withRules({}))).toEqual([{ path: 'rules.0', message: 'needs one of package, os, agentVersion, diskFree, file or service' }]);
    expect(issues(withRules({ present: false }))).toEqual([{ path: 'rules.0', message: 'needs one of package, os, agentVersion, diskFree, file or service' }]);
    expect(issues(withRules({ agentVersion: { min: '0.2.0' }, minVersion: '1' }))).toEqual([{ path: 'rules.0.minVersion', message: 'minVersion belongs to a package rule, not to agentVersion' }]);
    expect(issues(withRules('openssl'))).toEqual([{ path: 'rules.0', message: 'a rule is an object with one of package, os, agentVersion, diskFree, file or service' }]);
  });

  it('refuses minVersion with present: false', () => {
    expect(issues(withRules({ package: 'telnetd', present: false, minVersion: '0.17' }))).toEqual([
      { path: 'rules.0.minVersion', message: 'minVersion applies only to a package that must be present: drop it, or drop `present: false`' },
    ]);
  });

  it('refuses minPercent outside 0..100', () => {
    expect(issues(withRules({ diskFree: { mount: '/', minPercent: 150 } }))).toEqual([{ path: 'rules.0.diskFree.minPercent', message: 'minPercent must be from 0 to 100' }]);
    expect(issues(withRules({ diskFree: { mount: '/', minPercent: -1 } }))).toEqual([{ path: 'rules.0.diskFree.minPercent', message: 'minPercent must be from 0 to 100' }]);
    expect(issues(withRules({ diskFree: { mount: '/', minPercent: '10%' } }))).toEqual([{ path: 'rules.0.diskFree.minPercent', message: 'minPercent must be a number from 0 to 100' }]);
  });

  it('refuses a relative mount and unknown keys inside a rule', () => {
    expect(issues(withRules({ diskFree: { mount: 'var', minPercent: 10 } }))).toEqual([{ path: 'rules.0.diskFree.mount', message: 'mount must be an absolute path (the mount point, e.g. "/" or "/var")' }]);
    expect(issues(withRules({ os: { ids: ['debian'], version: ['12'] } })).map((issue) => issue.path)).toEqual(['rules.0.os']);
  });

  it('refuses unquoted numeric versions, which YAML turns into numbers', () => {
    const parsed = parse('name: p\nrules:\n  - os: { ids: [ubuntu], versions: [22.10] }\n  - agentVersion: { min: 1.2 }\n');
    expect(issues(parsed)).toEqual([
      { path: 'rules.0.os.versions.0', message: 'a version must be a string: quote version numbers ("12", "22.04"), YAML reads 22.10 as the number 22.1' },
      { path: 'rules.1.agentVersion.min', message: 'the minimum agent version must be a string: quote version numbers ("12", "22.04"), YAML reads 22.10 as the number 22.1' },
    ]);
  });

  it('refuses an agent version that is not dotted numbers, and upper-case os IDs', () => {
    expect(issues(withRules({ agentVersion: { min: 'latest' } }))).toEqual([
      { path: 'rules.0.agentVersion.min', message: 'must be dotted numbers with an optional pre-release suffix (0.2.0, 1.10, 1.2.0-rc1)' },
    ]);
    expect(issues(withRules({ agentVersion: { min: '1.2.0-rc1' } }))).toEqual([]);
    expect(issues(withRules({ os: { ids: ['Debian'] } })).map((issue) => issue.path)).toEqual(['rules.0.os.ids.0']);
    expect(issues(withRules({ os: { ids: [] } }))).toEqual([{ path: 'rules.0.os.ids', message: 'name at least one os-release ID (debian, ubuntu, rocky)' }]);
  });

  it('needs 1 to 50 rules', () => {
    expect(issues(withRules())).toEqual([{ path: 'rules', message: 'a policy needs at least one rule' }]);
    const many = Array.from({ length: MAX_RULES + 1 }, () => ({ package: 'openssl' }));
    expect(issues(withRules(...many))).toEqual([{ path: 'rules', message: 'a policy has at most 50 rules' }]);
    expect(issues(withRules(...many.slice(1)))).toEqual([]);
  });

  it('refuses unknown top-level keys, a bad name and bad labels', () => {
    expect(issues({ ...withRules({ package: 'openssl' }), severity: 'high' }).map((issue) => issue.path)).toEqual(['']);
    expect(issues({ name: '../x', rules: [{ package: 'openssl' }] }).map((issue) => issue.path)).toEqual(['name']);
    expect(issues({ ...withRules({ package: 'openssl' }), targets: { 'bad key!': 'x' } }).map((issue) => issue.path)).toEqual(['targets.bad key!']);
    expect(issues(withRules({ package: '-rf' })).map((issue) => issue.path)).toEqual(['rules.0.package']);
  });
});

describe('policyInputSchema through readYamlInput', () => {
  it('keeps the hint to quote versions', () => {
    const read = readYamlInput('name: p\nrules:\n  - package: openssl\n    minVersion: 3.0\n', 'policy.yaml', policyInputSchema, { maxBytes: 65_536, unionHint: 'does not match any allowed form' });
    expect(read.ok ? [] : read.problems.map(formatInputProblem)).toEqual([
      'policy.yaml:4:17: rules.0.minVersion: minVersion must be a string: quote version numbers ("12", "22.04"), YAML reads 22.10 as the number 22.1',
    ]);
  });

  it('requires the minimum agent version', () => {
    expect(issues(withRules({ agentVersion: {} })).map((issue) => issue.path)).toEqual(['rules.0.agentVersion.min']);
  });
});
