import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/core/manifest/parse-manifest.js';
import { processAlive, startWebApp, stopWebApp, webAppBuild, webAppManifest, webAppRunDir, type DirectWebApp } from './web-app.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function get(url: string): Promise<{ status: number; body: string; connection: string | null }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: response.status, body: await response.text(), connection: response.headers.get('connection') };
}

/** A GET on its own connection (so it can be in flight across a SIGTERM). */
function slowGet(url: string): Promise<{ status: number; body: string; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { agent: false, timeout: 5000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, connection: response.headers.connection }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', reject);
    request.end();
  });
}

const counter = (metrics: string, status: string) => Number(new RegExp(`http_requests_total\\{[^}]*status="${status}"\\} (\\d+)`).exec(metrics)?.[1]);
const inFlight = (metrics: string) => Number(/http_requests_in_flight\{[^}]*\} (\d+)/.exec(metrics)?.[1]);

async function waitFor(what: string, condition: () => Promise<boolean> | boolean, attempts = 200): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('the sample web app', () => {
  it('answers /, /healthz and /metrics, failing a deterministic share of requests', async () => {
    const buildDir = webAppBuild({ version: '2.0.0', failRate: 0.25 });
    cleanups.push(() => rmSync(buildDir, { recursive: true, force: true }));
    const app = await startWebApp({ buildDir, port: await freePort(), target: 'web-1' });
    cleanups.push(() => app.stop(2000));
    const before = (await get(`${app.url}/metrics`)).body;
    expect(before).toContain('http_requests_total{release="2.0.0",target="web-1",status="200"} 0\n');
    expect(before).toContain('http_requests_total{release="2.0.0",target="web-1",status="500"} 0\n');
    expect(before).toContain('http_requests_in_flight{release="2.0.0",target="web-1"} 0\n');

    const answers = [];
    for (let i = 0; i < 8; i++) answers.push(await get(`${app.url}/`));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 500, 200, 200, 200, 500]);
    expect(answers[0]!.body).toBe('release 2.0.0 on web-1\n');
    expect(answers[3]!.body).toBe('error from release 2.0.0 on web-1\n');
    expect(await get(`${app.url}/healthz`)).toMatchObject({ status: 200, body: 'ok\n' });

    const after = (await get(`${app.url}/metrics`)).body;
    expect(counter(after, '200')).toBe(6);
    expect(counter(after, '500')).toBe(2);
  });

  it('on SIGTERM finishes the request in flight with connection: close, drops idle connections and exits 0', async () => {
    const port = await freePort();
    const buildDir = webAppBuild({ version: '1.0.0' });
    cleanups.push(() => rmSync(buildDir, { recursive: true, force: true }));
    const app: DirectWebApp = await startWebApp({ buildDir, port, target: 'web-2' });
    cleanups.push(() => app.stop(2000));

    // An idle keep-alive connection, after one answered request.
    const idle = connect(port, '127.0.0.1');
    const idleClosed = new Promise<void>((resolve) => idle.once('close', () => resolve()));
    const firstAnswer = new Promise<string>((resolve) => idle.once('data', (chunk) => resolve(chunk.toString('utf8'))));
    idle.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    expect(await firstAnswer).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*keep-alive/i);

    const slow = slowGet(`${app.url}/?delayMs=1000`);
    await waitFor('the slow request to be in flight', async () => inFlight((await get(`${app.url}/metrics`)).body) === 1);
    app.child.kill('SIGTERM');

    await idleClosed;
    expect(await slow).toEqual({ status: 200, body: 'release 1.0.0 on web-2\n', connection: 'close' });
    expect(await app.exited).toBe(0);
    await expect(get(`${app.url}/healthz`)).rejects.toThrow();
  });

  it('bin/restart replaces the running copy: the old one finishes its requests, the hook returns with its pipes closed', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gantry-web-app-'));
    const runDir = webAppRunDir(root, 'web');
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    cleanups.push(() => stopWebApp(runDir, 2000));
    const port = await freePort();

    /** What Gantry does for a release: unpack, render app.env, run the hook (sh -c, piped stdio, in the release dir). */
    const deploy = (version: string) => {
      const dir = join(root, 'web', 'releases', version);
      mkdirSync(dir, { recursive: true });
      const build = webAppBuild({ version });
      cpSync(build, dir, { recursive: true });
      rmSync(build, { recursive: true, force: true });
      writeFileSync(join(dir, 'app.env'), `PORT=${port}\nTARGET=web-3\n`);
      return new Promise<{ code: number | null; output: string }>((resolve) => {
        const hook = spawn('sh', ['-c', './bin/restart'], {
          cwd: dir,
          stdio: ['pipe', 'pipe', 'pipe'],
          env: { PATH: process.env.PATH, GANTRY_RELEASE_DIR: dir, GANTRY_RELEASE: version, GANTRY_TARGET: 'web-3' },
        });
        hook.stdin.end();
        let output = '';
        hook.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
        hook.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
        const timer = setTimeout(() => hook.kill('SIGKILL'), 30_000);
        // 'close' only once every holder of the pipes has closed them: a background copy holding one would hang here.
        hook.once('close', (code) => {
          clearTimeout(timer);
          resolve({ code, output });
        });
      });
    };

    const first = await deploy('1.0.0');
    expect(first.code, first.output).toBe(0);
    expect(first.output).toMatch(/release 1\.0\.0 listening \(pid \d+\)/);
    const firstPid = Number(readFileSync(join(runDir, 'web-app.pid'), 'utf8'));
    expect(await get(`http://127.0.0.1:${port}/`)).toMatchObject({ status: 200, body: 'release 1.0.0 on web-3\n' });

    const slow = slowGet(`http://127.0.0.1:${port}/?delayMs=800`);
    await waitFor('the slow request to be in flight', async () => inFlight((await get(`http://127.0.0.1:${port}/metrics`)).body) === 1);
    const second = await deploy('2.0.0');
    expect(second.code, second.output).toBe(0);
    expect(await slow).toEqual({ status: 200, body: 'release 1.0.0 on web-3\n', connection: 'close' });
    expect(processAlive(firstPid)).toBe(false);
    expect(Number(readFileSync(join(runDir, 'web-app.pid'), 'utf8'))).not.toBe(firstPid);
    expect(await get(`http://127.0.0.1:${port}/`)).toMatchObject({ status: 200, body: 'release 2.0.0 on web-3\n' });
    expect(readFileSync(join(runDir, 'web-app.log'), 'utf8')).toMatch(/release 1\.0\.0 on web-3: stopping \(SIGTERM\), 1 in flight/);

    await stopWebApp(runDir, 2000);
    await expect(get(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    expect(existsSync(join(runDir, 'web-app.pid'))).toBe(true);
  });

  it('has a manifest Gantry accepts, with each target on its own port', () => {
    const text = webAppManifest({ app: 'web', environment: 'staging', targetPorts: { 'web-1': 7601, 'web-2': 7602 }, extra: 'hookTimeout: 30s\n' });
    const manifest = parseManifest(text);
    expect(manifest.variables).toEqual({
      PORT: { targets: { 'web-1': '7601', 'web-2': '7602' } },
      TARGET: { targets: { 'web-1': 'web-1', 'web-2': 'web-2' } },
    });
    expect(manifest.environments).toEqual([{ name: 'staging', targets: { app: 'web' }, protected: false }]);
    expect(manifest.hooks.afterActivate).toBe('./bin/restart');
    expect(manifest.health[0]).toMatchObject({ http: { url: 'http://127.0.0.1:${PORT}/healthz', expect: 200 } });
    expect(manifest.strategy).toMatchObject({ type: 'rolling', batch: { count: 1 } });
    expect(manifest.hookTimeout).toBe(30_000);
  });
});
