import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { chmod, link, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectArchive, packDirectory, readArchiveFiles } from '../../src/artifacts/inspect-archive.js';
import { craftArchive, type CraftedEntry } from './craft-archive.js';

const run = promisify(execFile);
let work: string;
let count = 0;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'gantry-archives-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function crafted(entries: readonly CraftedEntry[]): Promise<string> {
  const path = join(work, `crafted-${count++}.tar.gz`);
  await craftArchive(path, entries);
  return path;
}

async function written(bytes: Buffer): Promise<string> {
  const path = join(work, `bytes-${count++}.bin`);
  await writeFile(path, bytes);
  return path;
}

const innocent: CraftedEntry[] = [
  { name: 'bin', type: 'dir' },
  { name: 'bin/run.sh', type: 'file', content: '#!/bin/sh\n', mode: 0o755 },
];

describe('inspectArchive', () => {
  it('counts the entries and unpacked bytes of an ordinary release archive', async () => {
    const path = await crafted([...innocent, { name: 'lib/data.txt', type: 'file', content: 'x'.repeat(1000) }, { name: 'current-lib', type: 'symlink', linkname: 'lib' }]);
    expect(await inspectArchive(path)).toEqual({ entries: 4, unpackedBytes: 1010 });
    expect(await inspectArchive(createReadStream(path))).toEqual({ entries: 4, unpackedBytes: 1010 });
  });

  it.each<[string, CraftedEntry, string]>([
    ['a parent-directory path', { name: '../evil', type: 'file', content: 'x' }, '../evil'],
    ['a parent-directory segment deeper down', { name: 'bin/../../evil', type: 'file', content: 'x' }, 'bin/../../evil'],
    ['an absolute path', { name: '/etc/cron.d/evil', type: 'file', content: 'x' }, '/etc/cron.d/evil'],
    ['a symlink to an absolute path', { name: 'etc', type: 'symlink', linkname: '/etc' }, 'etc'],
    ['a symlink out of the root', { name: 'bin/up', type: 'symlink', linkname: '../../outside' }, 'bin/up'],
    ['a hard link', { name: 'passwd', type: 'hardlink', linkname: 'bin/run.sh' }, 'passwd'],
    ['a FIFO', { name: 'pipe', type: 'fifo' }, 'pipe'],
    ['a character device', { name: 'null', type: 'chardev' }, 'null'],
    ['a block device', { name: 'disk', type: 'blockdev' }, 'disk'],
  ])('refuses %s, naming the entry', async (_, evil, name) => {
    const path = await crafted([...innocent, evil]);
    const error = await inspectArchive(path).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ARTIFACT_UNSAFE', details: { where: name } });
    expect((error as Error).message).toContain(JSON.stringify(name));
  });

  it('refuses a file written through a symlink that points outside', async () => {
    const error = await inspectArchive(
      await crafted([
        { name: 'here', type: 'symlink', linkname: '.' },
        { name: 'here/up', type: 'symlink', linkname: '..' },
      ]),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ARTIFACT_UNSAFE', details: { where: 'here/up' } });
  });

  it('refuses a symlink that escapes through a symlink created after it', async () => {
    const error = await inspectArchive(
      await crafted([
        { name: 'b', type: 'symlink', linkname: 'a/..' },
        { name: 'a', type: 'symlink', linkname: '.' },
      ]),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ARTIFACT_UNSAFE', details: { where: 'b' } });
  });

  it('enforces the entry and size limits', async () => {
    const path = await crafted([...innocent, { name: 'big', type: 'file', content: 'y'.repeat(5000) }]);
    await expect(inspectArchive(path, { maxEntries: 2 })).rejects.toMatchObject({ code: 'ARTIFACT_UNSAFE', details: { where: 'big' } });
    await expect(inspectArchive(path, { maxUnpackedBytes: 4096 })).rejects.toMatchObject({ code: 'ARTIFACT_UNSAFE', details: { where: 'big' } });
  });

  it('refuses an archive that inflates far beyond its size (a decompression bomb)', async () => {
    const dir = join(work, 'bomb');
    await mkdir(dir);
    await writeFile(join(dir, 'zeros'), Buffer.alloc(12 * 1024 * 1024));
    const path = join(work, 'bomb.tar.gz');
    await pipeline(packDirectory(dir), createWriteStream(path));
    expect((await stat(path)).size).toBeLessThan(100 * 1024);
    await expect(inspectArchive(path)).rejects.toMatchObject({ code: 'ARTIFACT_UNSAFE' });
    await expect(inspectArchive(path, { maxCompressionRatio: 10_000 })).resolves.toMatchObject({ entries: 1 });
  });

  it.each<[string, () => Buffer]>([
    ['random bytes', () => Buffer.from('definitely not an archive')],
    ['an empty file', () => Buffer.alloc(0)],
    ['gzip-compressed text', () => gzipSync(Buffer.from('hello\n'.repeat(200)))],
  ])('reports %s as ARTIFACT_INVALID', async (_, bytes) => {
    await expect(inspectArchive(await written(bytes()))).rejects.toMatchObject({ code: 'ARTIFACT_INVALID' });
  });

  it('reports a truncated archive as ARTIFACT_INVALID', async () => {
    const whole = await readFile(await crafted([...innocent, { name: 'data', type: 'file', content: 'z'.repeat(100_000) }]));
    await expect(inspectArchive(await written(whole.subarray(0, Math.floor(whole.length / 2))))).rejects.toMatchObject({ code: 'ARTIFACT_INVALID' });
  });
});

describe('readArchiveFiles', () => {
  it('returns the text of the named files and names a missing one', async () => {
    const path = await crafted([
      { name: './config', type: 'dir' },
      { name: './config/app.env.tmpl', type: 'file', content: 'PORT={{ port }}\n' },
      { name: 'nginx.conf.tmpl', type: 'file', content: 'server { listen 80; } ✓' },
    ]);
    const files = await readArchiveFiles(path, ['config/app.env.tmpl', './nginx.conf.tmpl']);
    expect(Object.fromEntries(files)).toEqual({ 'config/app.env.tmpl': 'PORT={{ port }}\n', './nginx.conf.tmpl': 'server { listen 80; } ✓' });
    const error = await readArchiveFiles(path, ['config/missing.tmpl']).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TEMPLATE_INVALID', details: { where: 'config/missing.tmpl' } });
    expect((error as Error).message).toContain('config/missing.tmpl');
  });
});

describe('packDirectory', () => {
  it('packs relative paths that system tar unpacks with modes and symlinks kept, and inspectArchive accepts', async () => {
    const dir = join(work, 'source');
    await mkdir(join(dir, 'bin'), { recursive: true });
    await writeFile(join(dir, 'bin', 'run.sh'), '#!/bin/sh\necho hi\n');
    await chmod(join(dir, 'bin', 'run.sh'), 0o755);
    await writeFile(join(dir, 'README'), 'read me');
    await link(join(dir, 'README'), join(dir, 'README.copy'));
    await symlink('bin/run.sh', join(dir, 'start'));
    const path = join(work, 'packed.tar.gz');
    await pipeline(packDirectory(dir), createWriteStream(path));

    const { stdout: listing } = await run('tar', ['-tzf', path]);
    expect(listing.split('\n').filter(Boolean).sort()).toEqual(['README', 'README.copy', 'bin/', 'bin/run.sh', 'start']);
    expect(await inspectArchive(path)).toMatchObject({ entries: 5 });

    const out = join(work, 'unpacked');
    await mkdir(out);
    await run('tar', ['-xzf', path, '-C', out, '--no-same-owner']);
    expect((await stat(join(out, 'bin', 'run.sh'))).mode & 0o777).toBe(0o755);
    expect(await readFile(join(out, 'start'), 'utf8')).toBe('#!/bin/sh\necho hi\n');
    expect(await readFile(join(out, 'README.copy'), 'utf8')).toBe('read me');
  });
});
