import { describe, expect, it } from 'vitest';
import { factsFromProbe } from './target-probe.js';

const section = (name: string, body: string) => `\n@@gantry ${name}\n${body}`;

describe('factsFromProbe', () => {
  it('reads each section of the probe into facts', () => {
    const output = [
      section('hostname', 'db-1\n'),
      section('os-release', 'NAME="Debian GNU/Linux"\nVERSION="12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'),
      section('kernel', '6.1.0-18-amd64\n'),
      section('architecture', 'x86_64\n'),
      section('cpus', '4\n'),
      section('memory', '16384000\n'),
      section('uptime', '3600.51\n'),
      section('df', 'Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sda1 1000 400 600 40% /\ntmpfs 10 0 10 0% /run\n'),
      section('reboot', 'yes\n'),
      section('packages dpkg', 'bash\t5.2.15-2+b2\nlibssl3\t3.0.11-1~deb12u2\topenssl\n'),
      section('end', ''),
    ].join('');
    expect(factsFromProbe(output)).toEqual({
      hostname: 'db-1',
      os: { name: 'Debian GNU/Linux', version: '12 (bookworm)', id: 'debian', versionId: '12' },
      kernel: '6.1.0-18-amd64',
      architecture: 'x86_64',
      cpus: 4,
      memoryBytes: 16384000 * 1024,
      disks: [{ mount: '/', sizeBytes: 1000 * 1024, freeBytes: 600 * 1024 }],
      addresses: [],
      packages: [
        { name: 'bash', version: '5.2.15-2+b2' },
        { name: 'libssl3', version: '3.0.11-1~deb12u2', source: 'openssl' },
      ],
      packageFormat: 'dpkg',
      rebootRequired: true,
      agentVersion: 'none',
      uptimeSeconds: 3600,
    });
  });

  it('leaves out what a machine did not say, and refuses a probe cut short', () => {
    const facts = factsFromProbe(`${section('hostname', 'tiny\n')}${section('packages ', '')}${section('end', '')}`);
    expect(facts).toMatchObject({ hostname: 'tiny', os: { name: 'unknown', version: '' }, cpus: 0, packages: [], rebootRequired: false });
    expect(facts.packageFormat).toBeUndefined();
    expect(() => factsFromProbe(section('hostname', 'cut\n'))).toThrow(/stopped before it finished/);
  });
});
