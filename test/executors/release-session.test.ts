import { lstat, mkdir, readdir, readFile, readlink, stat } from 'node:fs/promises';
import { once } from 'node:events';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TargetSession } from '../../src/engine/ports.js';
import { createTargetExecutor } from '../../src/executors/target-executor.js';
import { createReleaseFactory, type ReleaseFactory } from './release-artifacts.js';
import { startTransport, type TransportKind, type TransportUnderTest } from './transports.js';

const step = { timeoutMs: 15_000 };

describe.each<TransportKind>(['local', 'ssh'])('a release session over %s', (kind) => {
  let transport: TransportUnderTest;
  let releases: ReleaseFactory;
  let session: TargetSession;
  let appDir: string;

  beforeAll(async () => {
    transport = await startTransport(kind);
    releases = await createReleaseFactory();
    session = await createTargetExecutor().open(transport.target, { timeoutMs: 10_000 });
    appDir = join(transport.root, 'shop');
  }, 30_000);

  afterAll(async () => {
    await session?.close();
    await releases?.dispose();
    await transport?.stop();
  });

  it('deploys, activates and prunes releases the way a deployment uses them', { timeout: 60_000 }, async () => {
    expect(await session.readCurrentVersion('shop')).toBeNull();

    const first = await releases.release('one');
    expect(await session.ensureArtifact('shop', first, step)).toEqual({ uploaded: true });
    expect(await session.ensureArtifact('shop', first, step)).toEqual({ uploaded: false });
    const artifactFile = join(appDir, 'artifacts', `${first.digest}.tar.gz`);
    expect((await stat(artifactFile)).size).toBe(first.sizeBytes);

    await session.unpackRelease('shop', '1.0.0', first.digest, step);
    const releaseDir = join(appDir, 'releases', '1.0.0');
    expect(await readFile(join(releaseDir, 'app.txt'), 'utf8')).toBe('one\n');
    expect((await stat(join(releaseDir, 'bin', 'run.sh'))).mode & 0o111).toBe(0o111);
    expect((await readFile(join(releaseDir, '.gantry-release'), 'utf8')).trim()).toBe(first.digest);
    const unpackedAt = (await stat(join(releaseDir, 'app.txt'))).mtimeMs;
    await session.unpackRelease('shop', '1.0.0', first.digest, step);
    expect((await stat(join(releaseDir, 'app.txt'))).mtimeMs).toBe(unpackedAt);

    await session.writeConfigFiles('shop', '1.0.0', [{ path: 'config/app.env', content: 'PORT=8080\nNAME="shop"\n' }, { path: 'top.conf', content: 'x' }], step);
    expect(await readFile(join(releaseDir, 'config', 'app.env'), 'utf8')).toBe('PORT=8080\nNAME="shop"\n');
    expect(await readFile(join(releaseDir, 'top.conf'), 'utf8')).toBe('x');

    const output = { stdout: '', stderr: '' };
    await session.runHook(
      'shop',
      '1.0.0',
      { command: 'printf "%s|%s\\n" "$GREETING" "$(pwd)"; ./bin/run.sh; echo oops >&2', env: { GREETING: 'hello world' } },
      { ...step, onOutput: (stream, text) => (output[stream] += text) },
    );
    expect(output).toEqual({ stdout: `hello world|${releaseDir}\nrunning\n`, stderr: 'oops\n' });

    await expect(session.runHook('shop', '1.0.0', { command: 'exit 3', env: {} }, step)).rejects.toMatchObject({
      code: 'STEP_FAILED',
      message: 'hook exited with code 3',
    });
    expect(await session.runCheck('shop', '1.0.0', { command: 'test -f app.txt', env: {} }, step)).toEqual({ exitCode: 0 });
    expect(await session.runCheck('shop', '1.0.0', { command: 'exit 7', env: {} }, step)).toEqual({ exitCode: 7 });
    expect(await session.runCheck('shop', '1.0.0', { command: 'kill -s KILL $$', env: {} }, step)).toEqual({ exitCode: 137 });

    await session.activate('shop', '1.0.0', step);
    expect(await readlink(join(appDir, 'current'))).toBe('releases/1.0.0');
    expect(await session.readCurrentVersion('shop')).toBe('1.0.0');
    await expect(session.activate('shop', '9.9.9', step)).rejects.toMatchObject({ code: 'STEP_FAILED' });
    expect(await session.readCurrentVersion('shop')).toBe('1.0.0');

    // A partial unpack left by an interrupted step is cleared by the next unpack of that version.
    await mkdir(join(appDir, 'releases', '.1.0.1.partial-interrupted', 'half'), { recursive: true });
    const versions = ['1.0.1', '1.0.2', '1.0.3'];
    const artifacts = [first];
    for (const version of versions) {
      const artifact = await releases.release(version);
      artifacts.push(artifact);
      await session.ensureArtifact('shop', artifact, step);
      await session.unpackRelease('shop', version, artifact.digest, step);
    }
    await session.activate('shop', '1.0.3', step);
    expect(await readlink(join(appDir, 'current'))).toBe('releases/1.0.3');

    // Keep nothing beyond the live release and the previous one, which is protected.
    const removed = await session.pruneReleases('shop', 0, ['1.0.2'], step);
    expect([...removed].sort()).toEqual(['1.0.0', '1.0.1']);
    expect((await readdir(join(appDir, 'releases'))).sort()).toEqual(['1.0.2', '1.0.3']); // no partials either
    expect((await readdir(join(appDir, 'artifacts'))).sort()).toEqual([artifacts[2]?.digest, artifacts[3]?.digest].map((d) => `${d}.tar.gz`).sort());
    expect(await session.pruneReleases('shop', 1, [], step)).toEqual(['1.0.2']);
    expect(await session.readCurrentVersion('shop')).toBe('1.0.3');

    await session.deactivate('shop', step);
    await expect(lstat(join(appDir, 'current'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await session.readCurrentVersion('shop')).toBeNull();
  });

  it('refuses an upload whose bytes do not match the digest, and leaves nothing behind', { timeout: 30_000 }, async () => {
    const genuine = releases.rawBytes(Buffer.from('the real archive'));
    const forged = { ...genuine, open: releases.rawBytes(Buffer.from('something else')).open };
    const error = await session.ensureArtifact('other', forged, step).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ARTIFACT_DIGEST_MISMATCH', details: { expected: genuine.digest } });
    expect((error as Error).message).toContain(join(transport.root, 'other', 'artifacts', `${genuine.digest}.tar.gz`));
    expect(await readdir(join(transport.root, 'other', 'artifacts'))).toEqual([]);
  });

  it('reports a damaged archive as a failed unpack and removes the partial release', { timeout: 30_000 }, async () => {
    const broken = releases.rawBytes(Buffer.from('this is not a tar.gz'));
    await session.ensureArtifact('broken', broken, step);
    const error = await session.unpackRelease('broken', '2.0.0', broken.digest, step).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'STEP_FAILED' });
    expect((error as Error).message).toMatch(/extracting the artifact of release 2\.0\.0 .* failed: .*(gzip|tar)/);
    expect(await readdir(join(transport.root, 'broken', 'releases'))).toEqual([]);
    await expect(session.activate('broken', '2.0.0', step)).rejects.toMatchObject({ code: 'STEP_FAILED' });
  });

  it('opens TCP connections as seen from the target', { timeout: 20_000 }, async () => {
    const server = net.createServer((socket) => socket.end('hello from the app\n'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    try {
      const stream = await session.connectTcp('127.0.0.1', port, 3000);
      let received = '';
      for await (const chunk of stream) received += String(chunk);
      expect(received).toBe('hello from the app\n');
    } finally {
      server.close();
    }
    await expect(session.connectTcp('127.0.0.1', port, 3000)).rejects.toMatchObject({ code: 'HEALTH_CHECK_FAILED' });
  });

  it("does not hand the server's own environment to hooks", { timeout: 20_000 }, async () => {
    process.env.GANTRY_TEST_SERVER_SECRET = 'hunter2';
    try {
      let stdout = '';
      await session.runHook('shop', '1.0.3', { command: 'printf "%s" "${GANTRY_TEST_SERVER_SECRET-unset}"; command -v tar >/dev/null', env: {} }, {
        ...step,
        onOutput: (stream, text) => stream === 'stdout' && (stdout += text),
      });
      expect(stdout).toBe('unset');
    } finally {
      delete process.env.GANTRY_TEST_SERVER_SECRET;
    }
  });

  it('hands hooks their environment on stdin: values arrive exactly, and no command line shows them', { timeout: 20_000 }, async () => {
    const value = `pa$$ 'w"ord \\ ${'`'}x${'`'}\nline two\n\n`;
    const marker = 'Zq9-visible-only-to-the-hook';
    let stdout = '';
    const hook = session.runHook('shop', '1.0.3', { command: 'sleep 1; printf "[%s][%s]" "$TRICKY" "$MARKER"', env: { TRICKY: value, MARKER: marker } }, {
      ...step,
      onOutput: (stream, text) => stream === 'stdout' && (stdout += text),
    });
    // While the hook runs, every process's command line on this machine (the target, for both transports here).
    const seen: string[] = [];
    for (let look = 0; look < 10; look++) {
      for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
        const cmdline = await readFile(join('/proc', pid, 'cmdline'), 'utf8').catch(() => '');
        if (cmdline.includes(marker)) seen.push(cmdline.replaceAll('\0', ' '));
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await hook;
    expect(seen).toEqual([]);
    expect(stdout).toBe(`[${value}][${marker}]`);
  });

  it('refuses config file paths that leave the release directory', async () => {
    for (const path of ['../escape', '/etc/passwd', 'a/../../b', '']) {
      await expect(session.writeConfigFiles('shop', '1.0.3', [{ path, content: 'x' }], step)).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
    }
  });
});
