import { describe, expect, it } from 'vitest';
import { ecosystemApplies, formatOfEcosystem } from './ecosystems.js';

const debian12 = { id: 'debian', versionId: '12' };
const ubuntu2204 = { id: 'ubuntu', versionId: '22.04' };
const rocky93 = { id: 'rocky', versionId: '9.3' };

describe('formatOfEcosystem', () => {
  it.each([
    ['Debian:12', 'dpkg'],
    ['Debian', 'dpkg'],
    ['Ubuntu:22.04:LTS', 'dpkg'],
    ['Ubuntu:Pro:18.04:LTS', 'dpkg'],
    ['Red Hat:enterprise_linux:9::appstream', 'rpm'],
    ['Rocky Linux:9', 'rpm'],
    ['AlmaLinux:9', 'rpm'],
    ['openSUSE:Leap 15.5', 'rpm'],
    ['SUSE:Linux Enterprise Server 15 SP5', 'rpm'],
    ['npm', null],
    ['PyPI', null],
    ['Alpine:v3.19', null],
    ['Debianish', null],
  ])('%s → %s', (ecosystem, format) => {
    expect(formatOfEcosystem(ecosystem)).toBe(format);
  });
});

describe('ecosystemApplies', () => {
  it.each([
    ['Debian:12', debian12, true],
    ['Debian', debian12, true],
    ['Debian:11', debian12, false],
    ['Ubuntu:22.04', debian12, false],
    ['Ubuntu:22.04:LTS', ubuntu2204, true],
    ['Ubuntu:22.04', ubuntu2204, true],
    ['Ubuntu:Pro:22.04:LTS', ubuntu2204, true],
    ['Ubuntu:Pro:FIPS-updates:22.04:LTS', ubuntu2204, true],
    ['Ubuntu:20.04:LTS', ubuntu2204, false],
    ['Ubuntu', ubuntu2204, true],
    ['Debian:12', ubuntu2204, false],
    ['Rocky Linux:9', rocky93, true],
    ['Rocky Linux', rocky93, true],
    ['Rocky Linux:8', rocky93, false],
    ['Rocky Linux:9.3', rocky93, true],
    ['Rocky Linux:9.2', rocky93, false],
    ['AlmaLinux:9', rocky93, false],
    ['AlmaLinux:9', { id: 'almalinux', versionId: '9.4' }, true],
    ['Red Hat:enterprise_linux:9::appstream', { id: 'rhel', versionId: '9.4' }, true],
    ['Red Hat:enterprise_linux:8::baseos', { id: 'rhel', versionId: '9.4' }, false],
    ['Red Hat:rhel_eus:9.2::baseos', { id: 'rhel', versionId: '9.2' }, true],
    ['Red Hat', { id: 'rhel', versionId: '9.4' }, true],
    ['Red Hat:enterprise_linux:9::appstream', rocky93, false],
    ['openSUSE:Leap 15.5', { id: 'opensuse-leap', versionId: '15.5' }, true],
    ['openSUSE:Leap 15.4', { id: 'opensuse-leap', versionId: '15.5' }, false],
    ['openSUSE:Tumbleweed', { id: 'opensuse-tumbleweed', versionId: '20240101' }, true],
    ['openSUSE', { id: 'opensuse-leap', versionId: '15.5' }, true],
    ['SUSE:Linux Enterprise Server 15 SP5', { id: 'sles', versionId: '15.5' }, true],
    ['SUSE:Linux Enterprise Module for Basesystem 15 SP5', { id: 'sles', versionId: '15.5' }, true],
    ['SUSE:Linux Enterprise Server 15 SP4', { id: 'sles', versionId: '15.5' }, false],
    ['SUSE:Linux Enterprise Server 15', { id: 'sles', versionId: '15' }, true],
    ['SUSE:Linux Enterprise Micro 5.5', { id: 'sles', versionId: '15.5' }, false],
    ['SUSE', { id: 'sles', versionId: '15.5' }, true],
    ['SUSE:Linux Enterprise Server 15 SP5', { id: 'opensuse-leap', versionId: '15.5' }, false],
    ['npm', debian12, false],
  ])('%s on %o → %s', (ecosystem, os, applies) => {
    expect(ecosystemApplies(ecosystem, os)).toBe(applies);
  });

  it('reads os-release IDs case-insensitively and VERSION_ID trimmed', () => {
    expect(ecosystemApplies('Debian:12', { id: 'Debian', versionId: ' 12 ' })).toBe(true);
  });
});
