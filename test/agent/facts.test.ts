import { existsSync } from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { collectAddresses, collectFacts } from '../../src/agent/facts.js';
import { parseDf, parseOsRelease, parsePackageLines } from '../../src/core/inventory/fact-parsers.js';
import { factsSchema } from '../../src/protocol/agent.js';

describe('facts', () => {
  it('collects this machine\'s facts, valid per factsSchema', async () => {
    const facts = await collectFacts({ agentVersion: '0.1.0', dirs: [os.tmpdir()] });
    expect(factsSchema.safeParse(facts).success).toBe(true);
    expect(facts.hostname).toBe(os.hostname());
    expect(facts.kernel).toBe(os.release());
    expect(facts.architecture).toBe(os.machine());
    expect(facts.cpus).toBeGreaterThan(0);
    expect(facts.memoryBytes).toBe(os.totalmem());
    expect(facts.agentVersion).toBe('0.1.0');
    expect(facts.os.name).not.toBe('');
    expect(facts.disks.length).toBeGreaterThan(0);
    expect(facts.disks.some((disk) => disk.mount === '/')).toBe(true);
    for (const disk of facts.disks) expect(disk.freeBytes).toBeLessThanOrEqual(disk.sizeBytes);
    expect(facts.addresses).not.toContain('127.0.0.1');
    if (existsSync('/usr/bin/dpkg-query') || existsSync('/usr/bin/rpm')) {
      expect(facts.packages.length).toBeGreaterThan(0);
      const names = facts.packages.map((p) => p.name);
      expect(names).toEqual([...names].sort());
      expect(new Set(names).size).toBe(names.length);
    }
    if (existsSync('/usr/bin/dpkg-query')) {
      // Debian: versions ordered by dpkg's rules, and binary packages with their source (libssl3 ← openssl).
      expect(facts.packageFormat).toBe('dpkg');
      expect(facts.packages.find((p) => p.name === 'libssl3')?.source ?? 'openssl').toBe('openssl');
    }
    if (existsSync('/etc/os-release')) expect(facts.os.id).toMatch(/^[a-z0-9._-]+$/);
    // Two reports of an unchanged machine differ only in uptime.
    const again = await collectFacts({ agentVersion: '0.1.0', dirs: [os.tmpdir()] });
    expect({ ...again, uptimeSeconds: 0, disks: [] }).toEqual({ ...facts, uptimeSeconds: 0, disks: [] });
  });

  it('reads os-release values, quoted or not', () => {
    expect(parseOsRelease('NAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION=\'12 (bookworm)\'\nID=debian\n# comment\nBAD LINE\nQ="a \\"b\\" \\$c"\n')).toEqual({
      NAME: 'Debian GNU/Linux',
      VERSION_ID: '12',
      VERSION: '12 (bookworm)',
      ID: 'debian',
      Q: 'a "b" $c',
    });
  });

  it('parses df -Pk, leaving out pseudo file systems and repeated devices', () => {
    const text = [
      'Filesystem     1024-blocks     Used Available Capacity Mounted on',
      'devtmpfs          12334416        0  12334416       0% /dev',
      'tmpfs             24683620     1052  24682568       1% /dev/shm',
      '/dev/vda         264212084 25089844  81301068      24% /',
      '/dev/vda         264212084 25089844  81301068      24% /etc/hosts',
      '/dev/vdb1             1000      500       400      56% /mnt/my data',
      'rpool/ROOT/x          2000     1000      1000      50% /zfs',
      'proc                     0        0         0       -  /proc',
      '',
    ].join('\n');
    expect(parseDf(text)).toEqual([
      { mount: '/', sizeBytes: 264212084 * 1024, freeBytes: 81301068 * 1024 },
      { mount: '/mnt/my data', sizeBytes: 1000 * 1024, freeBytes: 400 * 1024 },
      { mount: '/zfs', sizeBytes: 2000 * 1024, freeBytes: 1000 * 1024 },
    ]);
  });

  it('parses package lists, keeping installed dpkg packages only, sorted and unique', () => {
    const dpkg =
      'install ok installed\tzlib1g\t1:1.2.13\tzlib\ndeinstall ok config-files\told-pkg\t1.0\t\ninstall ok half-installed\tbroken\t2\t\nhold ok installed\tadduser\t3.134\tadduser\ninstall ok installed\tzlib1g\t1:1.2.13\tzlib\n';
    expect(parsePackageLines(dpkg, true)).toEqual([
      { name: 'adduser', version: '3.134' },
      { name: 'zlib1g', version: '1:1.2.13', source: 'zlib' },
    ]);
    expect(parsePackageLines('openssl\t3.0.7-27.el9\nbash\t5.1.8-9.el9\n\n')).toEqual([
      { name: 'bash', version: '5.1.8-9.el9' },
      { name: 'openssl', version: '3.0.7-27.el9' },
    ]);
  });

  it('lists non-internal addresses, sorted', () => {
    const entry = (address: string, internal: boolean, family: 'IPv4' | 'IPv6' = 'IPv4') =>
      ({ address, internal, family, netmask: '', mac: '', cidr: null, ...(family === 'IPv6' ? { scopeid: 0 } : {}) }) as os.NetworkInterfaceInfo;
    expect(collectAddresses({ lo: [entry('127.0.0.1', true), entry('::1', true, 'IPv6')], eth0: [entry('192.0.2.2', false), entry('fd00::2', false, 'IPv6')], eth1: [entry('10.0.0.1', false)] })).toEqual([
      '10.0.0.1',
      '192.0.2.2',
      'fd00::2',
    ]);
  });
});
