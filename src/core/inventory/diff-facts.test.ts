import { describe, expect, it } from 'vitest';
import { diffFacts } from './diff-facts.js';

const base = {
  hostname: 'web-1',
  os: { name: 'Debian GNU/Linux', version: '12' },
  kernel: '6.1.0',
  cpus: 2,
  uptimeSeconds: 100,
  disks: [{ mount: '/', sizeBytes: 1000, freeBytes: 500 }],
  addresses: ['10.0.0.2', '127.0.0.1'],
  packages: [
    { name: 'openssl', version: '3.0.11' },
    { name: 'curl', version: '7.88' },
  ],
};

describe('diffFacts', () => {
  it('reports every fact as new on the first report', () => {
    const changes = diffFacts(null, base);
    expect(changes.find((change) => change.path === 'packages.openssl')).toEqual({ path: 'packages.openssl', from: null, to: '3.0.11' });
    expect(changes.find((change) => change.path === 'os.version')?.to).toBe('12');
  });

  it('reports upgraded, added and removed packages and changed OS fields, not uptime or free space', () => {
    const after = {
      ...base,
      os: { name: 'Debian GNU/Linux', version: '12.8' },
      uptimeSeconds: 9999,
      disks: [{ mount: '/', sizeBytes: 1000, freeBytes: 1 }],
      addresses: ['127.0.0.1', '10.0.0.2'],
      packages: [
        { name: 'openssl', version: '3.0.15' },
        { name: 'nginx', version: '1.22' },
      ],
    };
    expect(diffFacts(base, after)).toEqual([
      { path: 'os.version', from: '12', to: '12.8' },
      { path: 'packages.curl', from: '7.88', to: null },
      { path: 'packages.nginx', from: null, to: '1.22' },
      { path: 'packages.openssl', from: '3.0.11', to: '3.0.15' },
    ]);
  });

  it('finds nothing when nothing that matters moved', () => {
    expect(diffFacts(base, { ...base, uptimeSeconds: 5 })).toEqual([]);
  });
});
