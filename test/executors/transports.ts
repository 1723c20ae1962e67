/**
 * The two transports under test, as Targets: a local one and one over a real sshd on loopback.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Target } from '../../src/core/model.js';
import type { TargetSession } from '../../src/engine/ports.js';
import { createTargetExecutor } from '../../src/executors/target-executor.js';
import { createReleaseFactory } from './release-artifacts.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';

export type TransportKind = 'local' | 'ssh';

export interface TransportUnderTest {
  readonly target: Target;
  /** The target's root, as seen from the test (both transports are this machine). */
  readonly root: string;
  stop(): Promise<void>;
}

export async function startTransport(kind: TransportKind): Promise<TransportUnderTest & { readonly sshd?: SshdFixture }> {
  if (kind === 'local') {
    const root = await mkdtemp(join(tmpdir(), 'gantry-local-'));
    return {
      root,
      target: { name: 'local-1', transport: { type: 'local', root }, labels: {}, createdAt: '2025-01-01T00:00:00.000Z', lastSeenAt: null },
      stop: () => rm(root, { recursive: true, force: true }),
    };
  }
  const sshd = await startSshd({ count: 1 });
  const host = sshd.hosts[0];
  if (!host) throw new Error('sshd fixture started no host');
  return {
    root: host.root,
    sshd,
    target: {
      name: 'ssh-1',
      transport: { type: 'ssh', user: host.user, host: host.host, port: host.port, keyPath: sshd.keyPath, hostKeySha256: host.hostKeySha256, root: host.root },
      labels: {},
      createdAt: '2025-01-01T00:00:00.000Z',
      lastSeenAt: null,
    },
    stop: () => sshd.stop(),
  };
}

/** A session on a transport with release 1.0.0 of `app` uploaded and unpacked: where steps are run in tests. */
export interface UnpackedRelease {
  readonly transport: TransportUnderTest;
  readonly session: TargetSession;
  /** `<root>/app/releases/1.0.0`, as seen from the test. */
  readonly releaseDir: string;
  close(): Promise<void>;
}

export async function openUnpackedRelease(kind: TransportKind, name: string): Promise<UnpackedRelease> {
  const transport = await startTransport(kind);
  const releases = await createReleaseFactory();
  const session = await createTargetExecutor().open(transport.target, { timeoutMs: 10_000 });
  const artifact = await releases.release(name);
  await session.ensureArtifact('app', artifact, { timeoutMs: 10_000 });
  await session.unpackRelease('app', '1.0.0', artifact.digest, { timeoutMs: 10_000 });
  return {
    transport,
    session,
    releaseDir: join(transport.root, 'app', 'releases', '1.0.0'),
    async close() {
      await session.close();
      await releases.dispose();
      await transport.stop();
    },
  };
}
