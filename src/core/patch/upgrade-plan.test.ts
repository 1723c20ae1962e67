import { describe, expect, it } from 'vitest';
import type { Advisory, TargetPackages } from './model.js';
import { planUpgrades, upgradeWords, type InstalledPackage } from './upgrade-plan.js';

const advisory = (id: string, name: string, fixed: string | null, severity: Advisory['severity'] = 'high'): Advisory => ({
  id,
  aliases: [],
  summary: '',
  severity,
  cvssScore: null,
  published: null,
  modified: '2026-11-01T00:00:00Z',
  affected: [{ ecosystem: 'Debian:12', name, ranges: [{ introduced: '0', fixed, lastAffected: null }], versions: [] }],
});

function target(name: string, installed: InstalledPackage[]): { target: string; packages: TargetPackages; installed: InstalledPackage[] } {
  const packages = new Map<string, string>();
  for (const pkg of installed) {
    packages.set(pkg.name, pkg.version);
    if (pkg.source && !packages.has(pkg.source)) packages.set(pkg.source, pkg.version);
  }
  return { target: name, packages: { os: { id: 'debian', versionId: '12' }, format: 'dpkg', packages, reportedAt: '2026-11-27T00:00:00Z' }, installed };
}

describe('planUpgrades', () => {
  const libssl = { name: 'libssl3', version: '3.0.11-1~deb12u1', source: 'openssl' };
  const opensslBin = { name: 'openssl', version: '3.0.11-1~deb12u1' };

  it('upgrades every binary of the source package an advisory names, to its fixed version', () => {
    const [entry] = planUpgrades([advisory('DSA-1', 'openssl', '3.0.11-1~deb12u2')], [target('web-1', [libssl, opensslBin, { name: 'bash', version: '5.2.15-2+b2' }])]);
    expect(entry).toEqual({
      target: 'web-1',
      format: 'dpkg',
      upgrades: [
        { name: 'libssl3', from: '3.0.11-1~deb12u1', to: '3.0.11-1~deb12u2', advisories: ['DSA-1'] },
        { name: 'openssl', from: '3.0.11-1~deb12u1', to: '3.0.11-1~deb12u2', advisories: ['DSA-1'] },
      ],
      withoutFix: [],
      unknown: false,
    });
  });

  it('takes the highest fixed version when several advisories name a package, by dpkg ordering (~ sorts before the release)', () => {
    const [entry] = planUpgrades([advisory('DSA-2', 'openssl', '3.0.11-1~deb12u2'), advisory('DSA-1', 'openssl', '3.0.11-1')], [target('web-1', [libssl])]);
    expect(entry?.upgrades).toEqual([{ name: 'libssl3', from: '3.0.11-1~deb12u1', to: '3.0.11-1', advisories: ['DSA-1', 'DSA-2'] }]);
  });

  it('plans nothing for a fixed target, lists advisories without a fix, and keeps a target without facts unknown', () => {
    const fixed = target('fixed', [{ ...libssl, version: '3.0.12-1' }]);
    const entries = planUpgrades([advisory('DSA-1', 'openssl', '3.0.11-1~deb12u2'), advisory('DSA-3', 'openssl', null)], [fixed, { target: 'silent', packages: null, installed: [] }]);
    expect(entries).toEqual([
      { target: 'fixed', format: 'dpkg', upgrades: [], withoutFix: ['DSA-3'], unknown: false },
      { target: 'silent', format: null, upgrades: [], withoutFix: [], unknown: true },
    ]);
  });
});

describe('upgradeWords', () => {
  it('passes name=version words, and refuses anything that could split or become an option', () => {
    expect(upgradeWords([{ name: 'libssl3', to: '1:3.0.11-1~deb12u2' }, { name: 'bash', to: '5.2.15-2+b3' }])).toBe('libssl3=1:3.0.11-1~deb12u2 bash=5.2.15-2+b3');
    for (const bad of [{ name: '-oAPT::x', to: '1' }, { name: 'bash', to: '1 -y' }, { name: 'bash', to: '$(id)' }, { name: 'ba sh', to: '1' }]) {
      expect(() => upgradeWords([bad])).toThrow(/cannot be passed to a package manager/);
    }
  });
});
