/**
 * The server's content-addressed store of release archives: `<dir>/sha256/<digest>.tar.gz`.
 * An archive is written to a temp file while it is hashed, flushed to disk, then renamed into
 * place, so a stored file is always complete. Storing the same bytes twice is a no-op.
 *
 * Two stores share that layout:
 * - {@link createArtifactStore}: files only (SQLite, or a directory every node sees).
 * - {@link createDatabaseArtifactStore}: the database holds every archive in chunks and the
 *   directory is this node's cache, filled on demand (several nodes on one PostgreSQL).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { GantryError, isGantryError } from '../core/errors.js';
import { ARTIFACT_CHUNK_BYTES, deleteArtifact, findArtifact, hasArtifact, readArtifactChunks, storeArtifactChunks } from '../store/artifacts.repository.js';
import type { Database } from '../store/schema.js';

export interface StoredArtifact {
  /** sha256 of the archive, hex. */
  readonly digest: string;
  readonly sizeBytes: number;
  /** The local copy. */
  readonly path: string;
}

export interface PutOptions {
  readonly maxBytes: number;
  /**
   * Checks the complete archive (at a temporary path) before it is kept; when it throws, nothing
   * is stored and the error is passed on.
   */
  readonly inspect?: (path: string) => Promise<unknown>;
}

export interface ArtifactStore {
  /** Stores the archive read from `source`; REQUEST_INVALID if it is larger than `maxBytes`. */
  put(source: Readable, options: PutOptions): Promise<StoredArtifact>;
  has(digest: string): Promise<boolean>;
  /** Opens a stored archive for reading (the stream fails if it is not there). */
  open(digest: string): Readable;
  /** Re-hashes a stored archive: false if it is missing or its content no longer matches. */
  verify(digest: string): Promise<boolean>;
  /** The path of a complete local copy of the archive, fetched first when this node has none. */
  localPath(digest: string): Promise<string>;
  /** Deletes the archive (retention, once no release keeps it); idempotent. */
  remove(digest: string): Promise<void>;
}

const DIGEST_PATTERN = /^[0-9a-f]{64}$/;

/** The local directory of archive files, shared by both stores. */
function localObjects(dir: string) {
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

  /** sha256 of the file, or null when it is not there. */
  const hashOf = async (path: string): Promise<string | null> => {
    if (!(await exists(path))) return null;
    const hash = createHash('sha256');
    try {
      for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    } catch {
      return null;
    }
    return hash.digest('hex');
  };

  /**
   * Writes `source` to a temp file while hashing it, flushes it, checks it (`expected` digest,
   * `inspect`), then renames it into place — replacing whatever was there, so the file at the
   * digest's path is always exactly the bytes that were hashed.
   */
  const write = async (
    source: AsyncIterable<unknown>,
    options: { readonly maxBytes?: number; readonly onTooLarge?: () => void; readonly expected?: string; readonly inspect?: (path: string) => Promise<unknown> },
  ): Promise<StoredArtifact> => {
    await mkdir(objects, { recursive: true });
    const temp = join(objects, `.${options.expected === undefined ? 'upload' : 'fetch'}-${randomBytes(8).toString('hex')}.tmp`);
    const hash = createHash('sha256');
    let sizeBytes = 0;
    const file = await open(temp, 'wx', 0o644);
    try {
      try {
        for await (const chunk of source) {
          const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
          sizeBytes += bytes.length;
          if (options.maxBytes !== undefined && sizeBytes > options.maxBytes) {
            options.onTooLarge?.();
            throw new GantryError('REQUEST_INVALID', `the archive is larger than the limit of ${options.maxBytes} bytes`, { maxBytes: options.maxBytes });
          }
          hash.update(bytes);
          await file.write(bytes);
        }
        await file.sync();
      } finally {
        await file.close();
      }
      const digest = hash.digest('hex');
      if (options.expected !== undefined && digest !== options.expected) {
        throw new GantryError('ARTIFACT_DIGEST_MISMATCH', `the stored archive ${options.expected.slice(0, 12)} read back from the database has digest ${digest}; create the release again`, {
          expected: options.expected,
          actual: digest,
        });
      }
      await options.inspect?.(temp);
      const path = pathOf(digest);
      await rename(temp, path);
      const directory = await open(objects, 'r');
      await directory.sync().finally(() => directory.close());
      return { digest, sizeBytes, path };
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  };

  return { pathOf, exists, hashOf, write };
}

/** Archives as files in `dir` only: the default with SQLite, or a directory shared by every node. */
export function createArtifactStore(dir: string): ArtifactStore {
  const local = localObjects(dir);
  return {
    put: (source, { maxBytes, inspect }) => local.write(source, { maxBytes, onTooLarge: () => source.destroy(), ...(inspect ? { inspect } : {}) }),
    has: (digest) => local.exists(local.pathOf(digest)),
    open: (digest) => createReadStream(local.pathOf(digest)),
    verify: async (digest) => (await local.hashOf(local.pathOf(digest))) === digest,
    localPath: async (digest) => local.pathOf(digest),
    remove: (digest) => rm(local.pathOf(digest), { force: true }),
  };
}

/**
 * Archives in the database (`artifacts`, `artifact_chunks`), so that every node sharing it can
 * send any release; `cacheDir` is this node's local copy, filled on demand. A copy fetched from
 * the database is hashed on the way and only kept when it has its digest: a damaged database copy
 * gives ARTIFACT_DIGEST_MISMATCH and never a bad cached file.
 */
export function createDatabaseArtifactStore(db: Kysely<Database>, cacheDir: string, options: { readonly now?: () => Date } = {}): ArtifactStore {
  const local = localObjects(cacheDir);
  const now = options.now ?? (() => new Date());
  const fetching = new Map<string, Promise<string>>();

  const fetch = async (digest: string): Promise<string> => {
    const artifact = await findArtifact(db, digest);
    if (artifact === null) {
      throw new GantryError('ARTIFACT_DIGEST_MISMATCH', `the archive ${digest.slice(0, 12)} is not in the database; create the release again`, { expected: digest });
    }
    try {
      return (await local.write(readArtifactChunks(db, digest), { expected: digest })).path;
    } catch (error) {
      if (isGantryError(error) && error.code === 'DATA_CORRUPT') {
        throw new GantryError('ARTIFACT_DIGEST_MISMATCH', `the archive ${digest.slice(0, 12)} in the database is incomplete; create the release again`, { expected: digest }, { cause: error });
      }
      throw error;
    }
  };

  /** One fetch per digest at a time on this node; later callers wait for it. */
  const fetchOnce = (digest: string): Promise<string> => {
    const running = fetching.get(digest);
    if (running) return running;
    const started = fetch(digest).finally(() => fetching.delete(digest));
    fetching.set(digest, started);
    return started;
  };

  const localPath = async (digest: string): Promise<string> => {
    const path = local.pathOf(digest);
    return (await local.exists(path)) ? path : fetchOnce(digest);
  };

  return {
    async put(source, { maxBytes, inspect }) {
      const stored = await local.write(source, { maxBytes, onTooLarge: () => source.destroy(), ...(inspect ? { inspect } : {}) });
      await storeArtifactChunks(db, { digest: stored.digest, sizeBytes: stored.sizeBytes, createdAt: now().toISOString() }, () =>
        createReadStream(stored.path, { highWaterMark: ARTIFACT_CHUNK_BYTES }) as AsyncIterable<Buffer>,
      );
      return stored;
    },

    has: (digest) => hasArtifact(db, digest),

    open: (digest) =>
      Readable.from(
        (async function* () {
          yield* createReadStream(await localPath(digest)) as AsyncIterable<Buffer>;
        })(),
        { objectMode: false },
      ),

    async verify(digest) {
      const path = local.pathOf(digest);
      if ((await local.hashOf(path)) === digest) return true;
      // Missing or damaged here: drop it and fetch it again; only a bad database copy is false.
      await rm(path, { force: true });
      try {
        await fetchOnce(digest);
        return true;
      } catch (error) {
        if (isGantryError(error) && error.code === 'ARTIFACT_DIGEST_MISMATCH') return false;
        throw error;
      }
    },

    localPath,

    // The database copy goes first: from then on no node can fetch it. Other nodes' caches keep
    // their copy until their data directory is cleared; retention has marked the release pruned,
    // so nothing deploys from it.
    async remove(digest) {
      await deleteArtifact(db, digest);
      await rm(local.pathOf(digest), { force: true });
    },
  };
}
