/**
 * The server's content-addressed store of release archives: `<dir>/sha256/<digest>.tar.gz`.
 * An archive is written to a temp file while it is hashed, flushed to disk, then renamed into
 * place, so a stored file is always complete. Storing the same bytes twice is a no-op.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { GantryError } from '../core/errors.js';

export interface StoredArtifact {
  /** sha256 of the archive, hex. */
  readonly digest: string;
  readonly sizeBytes: number;
  readonly path: string;
}

export interface ArtifactStore {
  /** Stores the archive read from `source`; REQUEST_INVALID if it is larger than `maxBytes`. */
  put(source: Readable, options: { readonly maxBytes: number }): Promise<StoredArtifact>;
  has(digest: string): Promise<boolean>;
  /** Opens a stored archive for reading (the stream fails if it is not there). */
  open(digest: string): Readable;
  /** Re-hashes a stored archive: false if it is missing or its content no longer matches. */
  verify(digest: string): Promise<boolean>;
  pathOf(digest: string): string;
}

const DIGEST_PATTERN = /^[0-9a-f]{64}$/;

export function createArtifactStore(dir: string): ArtifactStore {
  const objects = join(dir, 'sha256');

  const pathOf = (digest: string): string => {
    if (!DIGEST_PATTERN.test(digest)) throw new GantryError('REQUEST_INVALID', `${JSON.stringify(digest)} is not a sha256 digest in hex`, { where: 'digest' });
    return join(objects, `${digest}.tar.gz`);
  };

  const exists = async (path: string): Promise<boolean> => {
    try {
      return (await stat(path)).isFile();
    } catch {
      return false;
    }
  };

  return {
    pathOf,

    async put(source, { maxBytes }) {
      await mkdir(objects, { recursive: true });
      const temp = join(objects, `.upload-${randomBytes(8).toString('hex')}.tmp`);
      const hash = createHash('sha256');
      let sizeBytes = 0;
      const file = await open(temp, 'wx', 0o644);
      try {
        for await (const chunk of source) {
          const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
          sizeBytes += bytes.length;
          if (sizeBytes > maxBytes) {
            source.destroy();
            throw new GantryError('REQUEST_INVALID', `the archive is larger than the limit of ${maxBytes} bytes`, { maxBytes });
          }
          hash.update(bytes);
          await file.write(bytes);
        }
        await file.sync();
      } catch (error) {
        await file.close();
        await rm(temp, { force: true });
        throw error;
      }
      await file.close();
      const digest = hash.digest('hex');
      const path = pathOf(digest);
      if (await exists(path)) {
        await rm(temp, { force: true });
      } else {
        await rename(temp, path);
        const directory = await open(objects, 'r');
        await directory.sync().finally(() => directory.close());
      }
      return { digest, sizeBytes, path };
    },

    has: (digest) => exists(pathOf(digest)),

    open: (digest) => createReadStream(pathOf(digest)),

    async verify(digest) {
      const path = pathOf(digest);
      if (!(await exists(path))) return false;
      const hash = createHash('sha256');
      for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
      return hash.digest('hex') === digest;
    },
  };
}
