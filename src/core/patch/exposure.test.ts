import { describe, expect, it } from 'vitest';
import { exposureOf } from './exposure.js';
import type { Advisory, AffectedPackage, TargetPackages } from './model.js';

function advisory(affected: AffectedPackage[]): Advisory {
  return { id: 'DSA-5764-1', aliases: [], summary: 'openssl - security update', severity: 'high', cvssScore: null, published: '2024-09-03T00:00:00.000Z', modified: '2024-09-03T00:00:00.000Z', affected };
}

const openssl: AffectedPackage = { ecosystem: 'Debian:12', name: 'openssl', ranges: [{ introduced: '0', fixed: '3.0.15-1~deb12u1', lastAffected: null }], versions: [] };

function debian12(packages: Record<string, string>): TargetPackages {
  return { os: { id: 'debian', versionId: '12' }, format: 'dpkg', packages: new Map(Object.entries(packages)), reportedAt: '2024-09-10T00:00:00.000Z' };
}

describe('exposureOf', () => {
  it('is unknown without facts', () => {
    expect(exposureOf(advisory([openssl]), null)).toEqual({ state: 'unknown', packages: [] });
  });

  it('is affected with a fix when the installed version is below the fixed one', () => {
    // The caller keys the map by source package too: libssl3 reported with source openssl.
    expect(exposureOf(advisory([openssl]), debian12({ libssl3: '3.0.14-1~deb12u2', openssl: '3.0.14-1~deb12u2' }))).toEqual({
      state: 'affected_fix_available',
      packages: [{ name: 'openssl', installed: '3.0.14-1~deb12u2', fixedIn: '3.0.15-1~deb12u1' }],
    });
  });

  it('is fixed at or above the fixed version', () => {
    expect(exposureOf(advisory([openssl]), debian12({ openssl: '3.0.15-1~deb12u1' }))).toEqual({ state: 'fixed', packages: [{ name: 'openssl', installed: '3.0.15-1~deb12u1', fixedIn: '3.0.15-1~deb12u1' }] });
    expect(exposureOf(advisory([openssl]), debian12({ openssl: '3.0.16-1~deb12u1' })).state).toBe('fixed');
  });

  it('is affected without a fix for an open range', () => {
    const open: AffectedPackage = { ecosystem: 'Debian:12', name: 'bash', ranges: [{ introduced: '0', fixed: null, lastAffected: null }], versions: [] };
    expect(exposureOf(advisory([open]), debian12({ bash: '5.2.15-2+b7' }))).toEqual({ state: 'affected_no_fix', packages: [{ name: 'bash', installed: '5.2.15-2+b7', fixedIn: null }] });
  });

  it('is not affected when the package is not installed', () => {
    expect(exposureOf(advisory([openssl]), debian12({ bash: '5.2.15-2+b7' }))).toEqual({ state: 'not_affected', packages: [] });
  });

  it('is not affected when no ecosystem applies to the OS', () => {
    const ubuntu: AffectedPackage = { ...openssl, ecosystem: 'Ubuntu:22.04:LTS' };
    expect(exposureOf(advisory([ubuntu, { ...openssl, ecosystem: 'Debian:11' }]), debian12({ openssl: '3.0.2-0ubuntu1' })).state).toBe('not_affected');
    const jammy: TargetPackages = { os: { id: 'ubuntu', versionId: '22.04' }, format: 'dpkg', packages: new Map([['openssl', '3.0.2-0ubuntu1.17']]), reportedAt: '2024-09-10T00:00:00.000Z' };
    expect(exposureOf(advisory([openssl, { ...ubuntu, ranges: [{ introduced: '0', fixed: '3.0.2-0ubuntu1.18', lastAffected: null }] }]), jammy).state).toBe('affected_fix_available');
  });

  it('is not affected below the version that introduced it', () => {
    const introduced: AffectedPackage = { ...openssl, ranges: [{ introduced: '3.0.0-1', fixed: '3.0.15-1~deb12u1', lastAffected: null }] };
    expect(exposureOf(advisory([introduced]), debian12({ openssl: '1.1.1w-0+deb11u1' })).state).toBe('not_affected');
  });

  it('counts versions listed one by one as affected whatever the ranges say', () => {
    const listed: AffectedPackage = { ...openssl, ranges: [], versions: ['3.0.11-1~deb12u2'] };
    expect(exposureOf(advisory([listed]), debian12({ openssl: '3.0.11-1~deb12u2' }))).toEqual({ state: 'affected_no_fix', packages: [{ name: 'openssl', installed: '3.0.11-1~deb12u2', fixedIn: null }] });
    expect(exposureOf(advisory([listed]), debian12({ openssl: '3.0.11-1~deb12u1' })).state).toBe('not_affected');
    const both: AffectedPackage = { ...openssl, ranges: [{ introduced: '3.0.13-1', fixed: '3.0.15-1~deb12u1', lastAffected: null }], versions: ['3.0.11-1~deb12u2'] };
    expect(exposureOf(advisory([both]), debian12({ openssl: '3.0.11-1~deb12u2' }))).toEqual({
      state: 'affected_fix_available',
      packages: [{ name: 'openssl', installed: '3.0.11-1~deb12u2', fixedIn: '3.0.15-1~deb12u1' }],
    });
  });

  it('treats last_affected as inclusive, and a version above it as fixed with no fixed version named', () => {
    const last: AffectedPackage = { ...openssl, ranges: [{ introduced: '0', fixed: null, lastAffected: '3.0.14-1~deb12u2' }] };
    expect(exposureOf(advisory([last]), debian12({ openssl: '3.0.14-1~deb12u2' }))).toEqual({ state: 'affected_no_fix', packages: [{ name: 'openssl', installed: '3.0.14-1~deb12u2', fixedIn: null }] });
    expect(exposureOf(advisory([last]), debian12({ openssl: '3.0.15-1~deb12u1' }))).toEqual({ state: 'fixed', packages: [{ name: 'openssl', installed: '3.0.15-1~deb12u1', fixedIn: null }] });
  });

  it('compares epochs: an epoch outranks any upstream version', () => {
    const epoch: AffectedPackage = { ecosystem: 'Debian', name: 'ntp', ranges: [{ introduced: '0', fixed: '1:4.2.8p15+dfsg-2~1.2.2+dfsg1-1+deb12u1', lastAffected: null }], versions: [] };
    expect(exposureOf(advisory([epoch]), debian12({ ntp: '9.9-1' })).state).toBe('affected_fix_available');
    expect(exposureOf(advisory([epoch]), debian12({ ntp: '1:4.2.8p15+dfsg-2~1.2.2+dfsg1-1+deb12u1' })).state).toBe('fixed');
    expect(exposureOf(advisory([epoch]), debian12({ ntp: '2:1.0-1' })).state).toBe('fixed');
  });

  it('with several ranges, names the smallest fixed version above the installed one that is not itself affected', () => {
    const branches: AffectedPackage = {
      ...openssl,
      ranges: [
        { introduced: '0', fixed: '3.0.15-1~deb12u1', lastAffected: null },
        { introduced: '3.1.0-1', fixed: '3.1.7-1', lastAffected: null },
        { introduced: '3.0.16-1', fixed: null, lastAffected: null },
      ],
    };
    expect(exposureOf(advisory([branches]), debian12({ openssl: '3.0.14-1' })).packages[0]?.fixedIn).toBe('3.0.15-1~deb12u1');
    // 3.0.15 and 3.1.7 are fixed versions but 3.1.7 lies in the open range from 3.0.16: no fix.
    expect(exposureOf(advisory([branches]), debian12({ openssl: '3.1.2-1' })).state).toBe('affected_no_fix');
    expect(exposureOf(advisory([branches]), debian12({ openssl: '3.0.15-2' }))).toEqual({ state: 'fixed', packages: [{ name: 'openssl', installed: '3.0.15-2', fixedIn: '3.0.15-1~deb12u1' }] });
  });

  it('merges the same package in several applicable ecosystems, and the worst package decides', () => {
    const any: AffectedPackage = { ecosystem: 'Debian', name: 'openssl', ranges: [{ introduced: '3.0.15-1~deb12u1', fixed: '3.0.15-1~deb12u2', lastAffected: null }], versions: [] };
    const curl: AffectedPackage = { ecosystem: 'Debian:12', name: 'curl', ranges: [{ introduced: '0', fixed: '7.88.1-10+deb12u5', lastAffected: null }], versions: [] };
    expect(exposureOf(advisory([openssl, any, curl]), debian12({ openssl: '3.0.15-1~deb12u1', curl: '7.88.1-10+deb12u5' }))).toEqual({
      state: 'affected_fix_available',
      packages: [
        { name: 'curl', installed: '7.88.1-10+deb12u5', fixedIn: '7.88.1-10+deb12u5' },
        { name: 'openssl', installed: '3.0.15-1~deb12u1', fixedIn: '3.0.15-1~deb12u2' },
      ],
    });
  });

  it('is unknown when the target orders versions in another format than the ecosystem', () => {
    const odd: TargetPackages = { ...debian12({ openssl: '3.0.14-1' }), format: 'rpm' };
    expect(exposureOf(advisory([openssl]), odd)).toEqual({ state: 'unknown', packages: [{ name: 'openssl', installed: '3.0.14-1', fixedIn: null }] });
  });

  it('compares RPM versions on Rocky Linux', () => {
    const rocky: TargetPackages = { os: { id: 'rocky', versionId: '9.3' }, format: 'rpm', packages: new Map([['openssl', '1:3.0.7-24.el9']]), reportedAt: '2024-09-10T00:00:00.000Z' };
    const rlsa: AffectedPackage = { ecosystem: 'Rocky Linux:9', name: 'openssl', ranges: [{ introduced: '0', fixed: '1:3.0.7-25.el9_3', lastAffected: null }], versions: [] };
    expect(exposureOf(advisory([rlsa]), rocky)).toEqual({ state: 'affected_fix_available', packages: [{ name: 'openssl', installed: '1:3.0.7-24.el9', fixedIn: '1:3.0.7-25.el9_3' }] });
  });
});
