import { createHash } from 'node:crypto';
import { readdir, readFile, rm, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArtifactStore } from '../../src/artifacts/artifact-store.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gantry-store-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function chunks(...parts: string[]): Readable {
  return Readable.from(parts.map((part) => Buffer.from(part)));
}

describe('the artifact store', () => {
  it('stores an archive under its sha256 and gives it back', async () => {
    const store = createArtifactStore(dir);
    const bytes = 'pretend this is a tar.gz';
    const digest = createHash('sha256').update(bytes).digest('hex');
    const stored = await store.put(chunks('pretend this ', 'is a tar.gz'), { maxBytes: 1000 });
    expect(stored).toEqual({ digest, sizeBytes: bytes.length, path: join(dir, 'sha256', `${digest}.tar.gz`) });
    expect(await store.localPath(digest)).toBe(stored.path);
    expect(await store.has(digest)).toBe(true);
    expect(await store.verify(digest)).toBe(true);
    let read = '';
    for await (const chunk of store.open(digest)) read += String(chunk);
    expect(read).toBe(bytes);

    expect(await store.put(chunks(bytes), { maxBytes: 1000 })).toEqual(stored);
    expect(await readdir(join(dir, 'sha256'))).toEqual([`${digest}.tar.gz`]);
  });

  it('refuses an archive over the size limit and keeps nothing of it', async () => {
    const store = createArtifactStore(dir);
    const before = await readdir(join(dir, 'sha256')).catch(() => []);
    await expect(store.put(chunks('x'.repeat(600), 'y'.repeat(600)), { maxBytes: 1000 })).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
    expect(await readdir(join(dir, 'sha256'))).toEqual(before);
  });

  it('notices a stored archive that was altered or removed', async () => {
    const store = createArtifactStore(dir);
    const { digest, path } = await store.put(chunks('original content'), { maxBytes: 1000 });
    await writeFile(path, 'tampered');
    expect(await store.verify(digest)).toBe(false);
    await rm(path);
    expect(await store.has(digest)).toBe(false);
    expect(await store.verify(digest)).toBe(false);
    expect(await readFile(path).catch((e: NodeJS.ErrnoException) => e.code)).toBe('ENOENT');
  });

  it('refuses names that are not sha256 digests', async () => {
    const store = createArtifactStore(dir);
    await expect(store.localPath('../../etc/passwd')).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
  });
});
