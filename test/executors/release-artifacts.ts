/**
 * Release archives for executor tests, built from small directories and kept in a real
 * artifact store, as the server would.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import type { ArtifactSource } from '../../src/engine/ports.js';
import { createArtifactStore, type ArtifactStore } from '../../src/artifacts/artifact-store.js';
import { packDirectory } from '../../src/artifacts/pack-directory.js';

export interface ReleaseFactory {
  /** Packs a release whose app.txt says `label`, with an executable bin/run.sh. */
  release(label: string): Promise<ArtifactSource>;
  /** An "artifact" of arbitrary bytes (not necessarily an archive), with their true digest. */
  rawBytes(bytes: Buffer): ArtifactSource;
  readonly store: ArtifactStore;
  dispose(): Promise<void>;
}

export async function createReleaseFactory(): Promise<ReleaseFactory> {
  const base = await mkdtemp(join(tmpdir(), 'gantry-releases-'));
  const store = createArtifactStore(join(base, 'store'));
  let count = 0;
  return {
    store,
    async release(label) {
      const dir = join(base, `src-${count++}`);
      await mkdir(join(dir, 'bin'), { recursive: true });
      await writeFile(join(dir, 'app.txt'), `${label}\n`);
      await writeFile(join(dir, 'bin', 'run.sh'), '#!/bin/sh\necho running\n');
      await chmod(join(dir, 'bin', 'run.sh'), 0o755);
      const stored = await store.put(packDirectory(dir), { maxBytes: 10 * 1024 * 1024 });
      return { digest: stored.digest, sizeBytes: stored.sizeBytes, open: () => store.open(stored.digest) };
    },
    rawBytes(bytes) {
      const digest = createHash('sha256').update(bytes).digest('hex');
      return { digest, sizeBytes: bytes.length, open: () => Readable.from([bytes]) };
    },
    dispose: () => rm(base, { recursive: true, force: true }),
  };
}
