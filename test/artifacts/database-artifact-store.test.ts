import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabaseArtifactStore } from '../../src/artifacts/artifact-store.js';
import { packDirectory } from '../../src/artifacts/pack-directory.js';
import { createReleaseArchives } from '../../src/artifacts/release-archives.js';
import { ARTIFACT_CHUNK_BYTES, findArtifact, hasArtifact, readArtifactChunks, storeArtifactChunks } from '../../src/store/artifacts.repository.js';
import type { StoreDatabase } from '../../src/store/database.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function collect(source: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of source) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/** Buffers of at most one chunk each, as the store feeds the repository. */
function* chunksOf(bytes: Buffer): Generator<Buffer> {
  for (let at = 0; at < bytes.length; at += ARTIFACT_CHUNK_BYTES) yield bytes.subarray(at, at + ARTIFACT_CHUNK_BYTES);
}

async function* asAsync(chunks: Iterable<Buffer>): AsyncGenerator<Buffer> {
  for (const chunk of chunks) {
    await new Promise((resolve) => setImmediate(resolve));
    yield chunk;
  }
}

/** Files left in a cache directory (the archives and any temp file). */
const cacheFiles = (dir: string) => readdir(join(dir, 'sha256')).catch(() => [] as string[]);

for (const dialect of DIALECTS) {
  describe(`release archives in the database (store: ${dialect})`, () => {
    let database: TestDatabase;
    let store: StoreDatabase;
    let base: string;
    /** A release archive of about 3 MiB (incompressible content), so it spans several chunks. */
    let archive: Buffer;
    let digest: string;
    let caches = 0;
    const newCache = () => join(base, `node-${caches++}`);

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      store = await database.open();
      base = await mkdtemp(join(tmpdir(), 'gantry-db-artifacts-'));
      const build = join(base, 'build');
      await mkdir(build);
      await writeFile(join(build, 'payload.bin'), randomBytes(3 * 1024 * 1024));
      await writeFile(join(build, 'app.txt'), 'hello\n');
      archive = await collect(packDirectory(build));
      digest = sha256(archive);
    });
    afterAll(async () => {
      await store?.close();
      await database?.drop();
      if (base) await rm(base, { recursive: true, force: true });
    });

    describe('the repository', () => {
      it('stores chunks once and reads them back in order, a few at a time', async () => {
        const bytes = randomBytes(ARTIFACT_CHUNK_BYTES * 2 + 12345);
        const key = sha256(bytes);
        expect(await hasArtifact(store.db, key)).toBe(false);
        const artifact = { digest: key, sizeBytes: bytes.length, createdAt: '2026-11-27T00:00:00.000Z' };
        expect(await storeArtifactChunks(store.db, artifact, () => asAsync(chunksOf(bytes)))).toBe(true);
        let read = false;
        expect(
          await storeArtifactChunks(store.db, artifact, () => {
            read = true;
            return asAsync(chunksOf(bytes));
          }),
        ).toBe(false);
        expect(read).toBe(false);
        expect(await hasArtifact(store.db, key)).toBe(true);
        expect(await findArtifact(store.db, key)).toEqual({ ...artifact, chunkCount: 3 });
        const sizes: number[] = [];
        const parts: Buffer[] = [];
        for await (const chunk of readArtifactChunks(store.db, key)) {
          sizes.push(chunk.length);
          parts.push(chunk);
        }
        expect(sizes).toEqual([ARTIFACT_CHUNK_BYTES, ARTIFACT_CHUNK_BYTES, 12345]);
        expect(Buffer.concat(parts).equals(bytes)).toBe(true);
      });

      it('keeps nothing of a write that fails half-way', async () => {
        const bytes = randomBytes(ARTIFACT_CHUNK_BYTES + 10);
        const key = sha256(bytes);
        async function* failing(): AsyncGenerator<Buffer> {
          yield bytes.subarray(0, ARTIFACT_CHUNK_BYTES);
          throw new Error('the disk went away');
        }
        await expect(storeArtifactChunks(store.db, { digest: key, sizeBytes: bytes.length, createdAt: 'x' }, failing)).rejects.toThrow('the disk went away');
        expect(await hasArtifact(store.db, key)).toBe(false);
        expect(await store.db.selectFrom('artifact_chunks').select('seq').where('digest', '=', key).execute()).toEqual([]);
      });

      it('refuses to read an archive with a missing chunk', async () => {
        const bytes = randomBytes(ARTIFACT_CHUNK_BYTES * 2 + 1);
        const key = sha256(bytes);
        await storeArtifactChunks(store.db, { digest: key, sizeBytes: bytes.length, createdAt: 'x' }, () => asAsync(chunksOf(bytes)));
        await store.db.deleteFrom('artifact_chunks').where('digest', '=', key).where('seq', '=', 1).execute();
        await expect(collect(readArtifactChunks(store.db, key))).rejects.toMatchObject({ code: 'DATA_CORRUPT' });
      });
    });

    it('stores a multi-chunk archive and gives it back from another node with an empty cache', async () => {
      const nodeA = createDatabaseArtifactStore(store.db, newCache());
      const stored = await nodeA.put(Readable.from(chunksOf(archive)), { maxBytes: 10 * 1024 * 1024 });
      expect(stored).toMatchObject({ digest, sizeBytes: archive.length });
      expect(archive.length).toBeGreaterThan(2 * ARTIFACT_CHUNK_BYTES);
      expect((await findArtifact(store.db, digest))?.chunkCount).toBe(Math.ceil(archive.length / ARTIFACT_CHUNK_BYTES));

      const cacheB = newCache();
      const nodeB = createDatabaseArtifactStore(store.db, cacheB);
      expect(await nodeB.has(digest)).toBe(true);
      expect(await cacheFiles(cacheB)).toEqual([]);
      expect((await collect(nodeB.open(digest))).equals(archive)).toBe(true);
      expect(await cacheFiles(cacheB)).toEqual([`${digest}.tar.gz`]);

      const cacheC = newCache();
      const nodeC = createDatabaseArtifactStore(store.db, cacheC);
      const path = await nodeC.localPath(digest);
      expect(path).toBe(join(cacheC, 'sha256', `${digest}.tar.gz`));
      expect((await readFile(path)).equals(archive)).toBe(true);
      expect(await nodeC.verify(digest)).toBe(true);

      // Through the release archives, as the engine uses them, on yet another node.
      const archives = createReleaseArchives(createDatabaseArtifactStore(store.db, newCache()));
      await archives.verify(digest);
      expect(await archives.readFiles(digest, ['app.txt'])).toEqual(new Map([['app.txt', 'hello\n']]));
    });

    it('lets two nodes upload the same bytes at once', async () => {
      const bytes = randomBytes(ARTIFACT_CHUNK_BYTES * 2 + 777);
      const key = sha256(bytes);
      // On PostgreSQL each node has its own connection pool, as separate servers would.
      const other = dialect === 'postgres' ? await database.open() : store;
      try {
        const nodes = [createDatabaseArtifactStore(store.db, newCache()), createDatabaseArtifactStore(other.db, newCache())];
        const results = await Promise.all(nodes.map((node) => node.put(Readable.from(chunksOf(bytes)), { maxBytes: 10 * 1024 * 1024 })));
        for (const result of results) expect(result).toMatchObject({ digest: key, sizeBytes: bytes.length });
        expect(await store.db.selectFrom('artifacts').select('digest').where('digest', '=', key).execute()).toHaveLength(1);
        const chunks = await store.db.selectFrom('artifact_chunks').select('seq').where('digest', '=', key).orderBy('seq').execute();
        expect(chunks.map((chunk) => chunk.seq)).toEqual([0, 1, 2]);
        const reader = createDatabaseArtifactStore(store.db, newCache());
        expect((await collect(reader.open(key))).equals(bytes)).toBe(true);
      } finally {
        if (other !== store) await other.close();
      }
    });

    it('refuses an archive over the size limit and keeps nothing of it, here or in the database', async () => {
      const cache = newCache();
      const node = createDatabaseArtifactStore(store.db, cache);
      const bytes = randomBytes(2000);
      await expect(node.put(Readable.from([bytes]), { maxBytes: 1000 })).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
      expect(await cacheFiles(cache)).toEqual([]);
      expect(await hasArtifact(store.db, sha256(bytes))).toBe(false);
    });

    it('refuses an unsafe archive before storing it anywhere', async () => {
      const cache = newCache();
      const archives = createReleaseArchives(createDatabaseArtifactStore(store.db, cache));
      const garbage = randomBytes(5000);
      await expect(archives.put(Readable.from([garbage]), { maxBytes: 10_000 })).rejects.toMatchObject({ code: expect.stringMatching(/^ARTIFACT_/) });
      expect(await cacheFiles(cache)).toEqual([]);
      expect(await hasArtifact(store.db, sha256(garbage))).toBe(false);
    });

    it('heals a damaged cached copy from the database', async () => {
      const cache = newCache();
      const node = createDatabaseArtifactStore(store.db, cache);
      const path = await node.localPath(digest);
      await writeFile(path, 'tampered');
      expect(await node.verify(digest)).toBe(true);
      expect((await readFile(path)).equals(archive)).toBe(true);
      await rm(path);
      await createReleaseArchives(node).verify(digest);
      expect((await readFile(path)).equals(archive)).toBe(true);
    });

    it('gives ARTIFACT_DIGEST_MISMATCH for a damaged database copy and never caches it', async () => {
      const bytes = randomBytes(ARTIFACT_CHUNK_BYTES * 2 + 99);
      const key = sha256(bytes);
      const cacheA = newCache();
      const nodeA = createDatabaseArtifactStore(store.db, cacheA);
      await nodeA.put(Readable.from(chunksOf(bytes)), { maxBytes: 10 * 1024 * 1024 });
      // Same length, one byte changed: only the digest can tell.
      const chunk = await store.db.selectFrom('artifact_chunks').select('bytes').where('digest', '=', key).where('seq', '=', 1).executeTakeFirstOrThrow();
      const altered = Buffer.from(chunk.bytes);
      altered[100] = altered[100]! ^ 0xff;
      await store.db.updateTable('artifact_chunks').set({ bytes: altered }).where('digest', '=', key).where('seq', '=', 1).execute();

      const cacheB = newCache();
      const nodeB = createDatabaseArtifactStore(store.db, cacheB);
      await expect(nodeB.localPath(key)).rejects.toMatchObject({ code: 'ARTIFACT_DIGEST_MISMATCH' });
      await expect(collect(nodeB.open(key))).rejects.toMatchObject({ code: 'ARTIFACT_DIGEST_MISMATCH' });
      expect(await nodeB.verify(key)).toBe(false);
      await expect(createReleaseArchives(nodeB).verify(key)).rejects.toMatchObject({ code: 'ARTIFACT_DIGEST_MISMATCH' });
      expect(await cacheFiles(cacheB)).toEqual([]);

      // Node A still has a good local copy; once that is damaged too, nothing is left to heal from.
      expect(await nodeA.verify(key)).toBe(true);
      await writeFile(join(cacheA, 'sha256', `${key}.tar.gz`), 'tampered');
      expect(await nodeA.verify(key)).toBe(false);
      expect(await cacheFiles(cacheA)).toEqual([]);
    });

    it('gives ARTIFACT_DIGEST_MISMATCH for an archive the database does not have', async () => {
      const node = createDatabaseArtifactStore(store.db, newCache());
      const missing = sha256(Buffer.from('never stored'));
      expect(await node.has(missing)).toBe(false);
      expect(await node.verify(missing)).toBe(false);
      await expect(node.localPath(missing)).rejects.toMatchObject({ code: 'ARTIFACT_DIGEST_MISMATCH' });
      await expect(node.localPath('../../etc/passwd')).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
    });
  });
}
