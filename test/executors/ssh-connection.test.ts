import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Target } from '../../src/core/model.js';
import { openSshShell, probeSshTarget } from '../../src/executors/ssh.js';
import { createTargetExecutor } from '../../src/executors/target-executor.js';
import { startSshd, type SshdFixture, type SshdHost } from '../support/sshd.js';

const run = promisify(execFile);

function sshTarget(fixture: SshdFixture, host: SshdHost, overrides: { hostKeySha256?: string; port?: number; keyPath?: string } = {}): Target {
  return {
    name: `ssh-${host.port}`,
    transport: {
      type: 'ssh',
      user: host.user,
      host: host.host,
      port: overrides.port ?? host.port,
      keyPath: overrides.keyPath ?? fixture.keyPath,
      hostKeySha256: overrides.hostKeySha256 ?? host.hostKeySha256,
      root: host.root,
    },
    labels: {},
    createdAt: '2025-01-01T00:00:00.000Z',
    lastSeenAt: null,
  };
}

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('SSH connections', () => {
  let sshd: SshdFixture;
  let stable: SshdHost;
  let rotating: SshdHost;

  beforeAll(async () => {
    sshd = await startSshd({ count: 2 });
    [stable, rotating] = sshd.hosts as [SshdHost, SshdHost];
  }, 30_000);

  afterAll(async () => {
    await sshd?.stop();
  });

  it('probes a new target and reports the fingerprint ssh-keygen shows for its host key', { timeout: 20_000 }, async () => {
    const probe = await probeSshTarget({ ...stable, keyPath: sshd.keyPath, timeoutMs: 5000 });
    const { stdout: scanned } = await run('ssh-keyscan', ['-p', String(stable.port), '-t', 'ed25519', '127.0.0.1']);
    const keygen = await new Promise<string>((resolve, reject) => {
      const child = execFile('ssh-keygen', ['-l', '-f', '-'], (error, stdout) => (error ? reject(error) : resolve(stdout)));
      child.stdin?.end(scanned);
    });
    expect(probe.hostKeySha256).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(keygen).toContain(` ${probe.hostKeySha256} `);
    expect(probe.hostKeySha256).toBe(stable.hostKeySha256);
  });

  it('accepts a host key listed in known_hosts and refuses one that is not', { timeout: 20_000 }, async () => {
    await expect(probeSshTarget({ ...stable, keyPath: sshd.keyPath, knownHostsPath: sshd.knownHostsPath, timeoutMs: 5000 })).resolves.toEqual({
      hostKeySha256: stable.hostKeySha256,
    });
    const otherHosts = join(sshd.hosts[0]?.root ?? '', '..', 'other_known_hosts');
    const { stdout: listed } = await run('ssh-keyscan', ['-p', String(rotating.port), '-t', 'ed25519', '127.0.0.1']);
    // The key of another server, filed under this server's name.
    await writeFile(otherHosts, listed.replace(`[127.0.0.1]:${rotating.port}`, `[127.0.0.1]:${stable.port}`));
    const error = await probeSshTarget({ ...stable, keyPath: sshd.keyPath, knownHostsPath: otherHosts, timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'HOST_KEY_MISMATCH' });
    expect((error as Error).message).toContain(`127.0.0.1:${stable.port}`);
  });

  it('refuses to talk to a server whose host key changed', { timeout: 30_000 }, async () => {
    const pinned = rotating.hostKeySha256;
    const target = sshTarget(sshd, rotating, { hostKeySha256: pinned });
    const session = await createTargetExecutor().open(target, { timeoutMs: 5000 });
    await session.close();

    const replaced = await sshd.restartWithNewHostKey(1);
    expect(replaced).not.toBe(pinned);
    const error = await createTargetExecutor().open(target, { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'HOST_KEY_MISMATCH', details: { expected: pinned, offered: replaced } });
    expect((error as Error).message).toContain(`127.0.0.1:${rotating.port}`);
    expect((error as Error).message).toContain(pinned);
    expect((error as Error).message).toContain(replaced);
  });

  it('reports a port nobody listens on as TARGET_UNREACHABLE naming user@host:port', { timeout: 20_000 }, async () => {
    const port = await closedPort();
    const error = await createTargetExecutor().open(sshTarget(sshd, stable, { port }), { timeoutMs: 3000 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TARGET_UNREACHABLE' });
    expect((error as Error).message).toContain(`root@127.0.0.1:${port}`);
  });

  it('reports a key the server does not accept as TARGET_UNREACHABLE', { timeout: 20_000 }, async () => {
    const strangerKey = join(stable.root, '..', 'stranger_key');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', strangerKey]);
    const error = await createTargetExecutor().open(sshTarget(sshd, stable, { keyPath: strangerKey }), { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TARGET_UNREACHABLE' });
    expect((error as Error).message).toContain(`root@127.0.0.1:${stable.port}`);
    const missing = await createTargetExecutor().open(sshTarget(sshd, stable, { keyPath: '/nonexistent/key' }), { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'TARGET_UNREACHABLE' });
  });

  it('runs several scripts at once over one connection', { timeout: 20_000 }, async () => {
    const shell = await openSshShell({ ...stable, keyPath: sshd.keyPath }, { timeoutMs: 5000 });
    try {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, index) => shell.run(`sleep 0.2; echo ${index}; exit ${index}`, { timeoutMs: 5000 })),
      );
      expect(results.map((result) => [result.stdout, result.exitCode])).toEqual(Array.from({ length: 8 }, (_, index) => [`${index}\n`, index]));
      const echoed = await shell.run('cat', { timeoutMs: 5000, stdin: Buffer.from('through stdin') });
      expect(echoed.stdout).toBe('through stdin');
    } finally {
      await shell.close();
    }
  });
});
