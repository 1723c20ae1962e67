import { createHash, type Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { ReleaseArchiveStore } from '../app/app-deps.js';
import { GantryError } from '../core/errors.js';
import type { ArtifactReader } from '../engine/ports.js';
import { walkArchive } from './archive-reader.js';
import type { ArtifactStore } from './artifact-store.js';
import { inspectArchive, readArchiveFiles } from './inspect-archive.js';

const REGULAR_FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);

/**
 * Release archives on top of the content-addressed store: an archive is only kept if every
 * entry is safe to unpack, and it is checked again (digest and entries) before a deployment
 * sends it anywhere.
 */
export function createReleaseArchives(store: ArtifactStore): ReleaseArchiveStore & ArtifactReader {
  return {
    async put(archive: Readable, options: { readonly maxBytes: number }) {
      // An archive with an unsafe entry is refused before it is kept anywhere.
      const stored = await store.put(archive, { maxBytes: options.maxBytes, inspect: (path) => inspectArchive(path) });
      return { digest: stored.digest, sizeBytes: stored.sizeBytes };
    },

    source(digest, sizeBytes) {
      return { digest, sizeBytes, open: () => store.open(digest) };
    },

    async verify(digest) {
      if (!(await store.verify(digest))) {
        throw new GantryError('ARTIFACT_DIGEST_MISMATCH', `the stored archive ${digest.slice(0, 12)} is missing or no longer matches its digest; create the release again`);
      }
      await inspectArchive(await store.localPath(digest));
    },

    async fileDigests(digest) {
      const hashes = new Map<string, Hash>();
      await walkArchive(await store.localPath(digest), {
        onEntry: (entry) => {
          const path = entry.path.split('/').filter((segment) => segment !== '' && segment !== '.').join('/');
          // A later entry with the same path replaces an earlier one, as on extraction.
          hashes.delete(path);
          if (!REGULAR_FILE_TYPES.has(entry.type)) {
            entry.resume();
            return;
          }
          const hash = createHash('sha256');
          hashes.set(path, hash);
          entry.on('data', (chunk: Buffer) => hash.update(chunk));
        },
      });
      return new Map([...hashes].map(([path, hash]) => [path, hash.digest('hex')]));
    },

    has: (digest) => store.has(digest),

    remove: (digest) => store.remove(digest),

    async readFiles(digest, paths) {
      return paths.length === 0 ? new Map() : readArchiveFiles(await store.localPath(digest), paths);
    },
  };
}
