/**
 * Switching a real nginx through a target session: the file is replaced atomically, checked and
 * reloaded, and whatever fails, the previous configuration keeps serving.
 */
import { chmod, mkdir, readdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderNginxUpstream, type UpstreamServer } from '../../src/core/traffic/nginx-upstream.js';
import type { TargetSession, TrafficConfigChange } from '../../src/engine/ports.js';
import { createTargetExecutor } from '../../src/executors/target-executor.js';
import { startNginx, type RealNginx } from '../support/nginx.js';
import { startTransport, type TransportKind, type TransportUnderTest } from './transports.js';

const step = { timeoutMs: 15_000 };

interface Backend {
  readonly name: string;
  readonly address: string;
  close(): Promise<void>;
}

/** A loopback HTTP server that answers every request with its name. */
async function startBackend(name: string): Promise<Backend> {
  const server = http.createServer((_request, response) => response.end(name));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('backend has no address');
  return {
    name,
    address: `127.0.0.1:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function captureOutput(): { text: string; sink: (stream: 'stdout' | 'stderr', text: string) => void } {
  const output = { text: '', sink: (_stream: 'stdout' | 'stderr', text: string) => void (output.text += text) };
  return output;
}

describe.each<TransportKind>(['local', 'ssh'])('switching an nginx load balancer over %s', (kind) => {
  let transport: TransportUnderTest;
  let session: TargetSession;
  let nginx: RealNginx;
  let a: Backend;
  let b: Backend;

  const rotation = (inRotation: { a: boolean; b: boolean }): UpstreamServer[] => [
    { target: 'web-a', address: a.address, inRotation: inRotation.a },
    { target: 'web-b', address: b.address, inRotation: inRotation.b },
  ];
  const change = (servers: readonly UpstreamServer[], overrides: Partial<TrafficConfigChange> = {}, extra = ''): TrafficConfigChange => ({
    path: nginx.upstreamFile,
    content: renderNginxUpstream({ upstream: nginx.upstream, header: 'managed by gantry (test)', servers }) + extra,
    test: nginx.testCommand,
    reload: nginx.reloadCommand,
    ...overrides,
  });
  /** Who answers, once nginx has carried out every reload signalled so far. */
  const servingBackends = async (): Promise<string[]> => {
    await nginx.settle();
    return [...new Set(await nginx.sample(6))].sort();
  };
  const leftovers = async (): Promise<string[]> => (await readdir(nginx.dir)).filter((name) => name.includes('gantry'));

  beforeAll(async () => {
    a = await startBackend('a');
    b = await startBackend('b');
    nginx = await startNginx({ upstream: 'web', initialServers: [a.address] });
    transport = await startTransport(kind);
    session = await createTargetExecutor().open(transport.target, { timeoutMs: 10_000 });
  }, 30_000);

  afterAll(async () => {
    await session?.close();
    await nginx?.stop();
    await transport?.stop();
    await a?.close();
    await b?.close();
  });

  it('puts targets in and out of rotation, keeping the file mode', async () => {
    expect(await servingBackends()).toEqual(['a']);

    const both = change(rotation({ a: true, b: true }));
    await chmod(nginx.upstreamFile, 0o640);
    await session.applyTrafficConfig(both, step);
    expect(await readFile(nginx.upstreamFile, 'utf8')).toBe(both.content);
    expect((await stat(nginx.upstreamFile)).mode & 0o777).toBe(0o640);
    expect(await servingBackends()).toEqual(['a', 'b']);

    const output = captureOutput();
    await session.applyTrafficConfig(change(rotation({ a: false, b: true })), { ...step, onOutput: output.sink });
    expect(await readFile(nginx.upstreamFile, 'utf8')).toContain(`server ${a.address} down;  # web-a (out of rotation)`);
    expect(await servingBackends()).toEqual(['b']);
    expect(output.text).toContain('test is successful'); // nginx -t's own output reaches the log
    expect(await leftovers()).toEqual([]);
  });

  it('keeps the previous configuration serving when the configuration test fails', async () => {
    await session.applyTrafficConfig(change(rotation({ a: true, b: true })), step);
    expect(await servingBackends()).toEqual(['a', 'b']);
    const previous = await readFile(nginx.upstreamFile, 'utf8');
    const generations = await nginx.generations();

    const broken = change(rotation({ a: false, b: true }), {}, 'not_a_directive on;\n');
    const error = await session.applyTrafficConfig(broken, step).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TRAFFIC_SWITCH_FAILED', details: { path: nginx.upstreamFile } });
    expect((error as Error).message).toContain('the load balancer configuration test failed');
    expect((error as Error).message).toContain('unknown directive "not_a_directive"');

    expect(await readFile(nginx.upstreamFile, 'utf8')).toBe(previous);
    expect(await leftovers()).toEqual([]);
    expect(await servingBackends()).toEqual(['a', 'b']);
    expect(await nginx.generations()).toBe(generations); // nothing was reloaded
  });

  it('keeps the previous configuration serving when the reload fails, even after nginx loaded the new file', async () => {
    const previous = await readFile(nginx.upstreamFile, 'utf8');
    expect(await servingBackends()).toEqual(['a', 'b']);

    // Signals nginx (which starts loading the new file), then reports failure.
    const reload = `${nginx.reloadCommand} && echo 'the reload check refused' >&2 && exit 3`;
    const output = captureOutput();
    const error = await session.applyTrafficConfig(change(rotation({ a: false, b: true }), { reload }), { ...step, onOutput: output.sink }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TRAFFIC_SWITCH_FAILED' });
    expect((error as Error).message).toContain('reloading the load balancer');
    expect((error as Error).message).toContain('the reload check refused');
    expect(output.text).toContain('gantry: reloading the previous configuration');

    expect(await readFile(nginx.upstreamFile, 'utf8')).toBe(previous);
    expect(await leftovers()).toEqual([]);
    expect(await servingBackends()).toEqual(['a', 'b']);
  });

  it('puts the previous file back when the switch is stopped by its timeout', async () => {
    const previous = await readFile(nginx.upstreamFile, 'utf8');
    const error = await session
      .applyTrafficConfig(change(rotation({ a: false, b: true }), { reload: 'sleep 30' }), { timeoutMs: 1500 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'STEP_TIMEOUT' });
    expect(await readFile(nginx.upstreamFile, 'utf8')).toBe(previous);
    expect(await leftovers()).toEqual([]);
    expect(await servingBackends()).toEqual(['a', 'b']);
  });

  it('follows a symlinked file, creates a missing one with mode 0644, and removes a new one when the switch fails', async () => {
    const dir = join(transport.root, 'lb');
    await mkdir(join(dir, 'available'), { recursive: true });
    await writeFile(join(dir, 'available', 'site.conf'), 'old\n');
    await symlink('available/site.conf', join(dir, 'site-enabled.conf'));
    await session.applyTrafficConfig({ path: join(dir, 'site-enabled.conf'), content: 'new\n', test: null, reload: 'true' }, step);
    expect(await readlink(join(dir, 'site-enabled.conf'))).toBe('available/site.conf');
    expect(await readFile(join(dir, 'available', 'site.conf'), 'utf8')).toBe('new\n');

    const fresh = join(dir, 'fresh.conf');
    await session.applyTrafficConfig({ path: fresh, content: 'upstream x {}\n', test: 'test -s fresh.conf', reload: 'true' }, step);
    expect(await readFile(fresh, 'utf8')).toBe('upstream x {}\n');
    expect((await stat(fresh)).mode & 0o777).toBe(0o644);

    const refused = join(dir, 'refused.conf');
    const error = await session.applyTrafficConfig({ path: refused, content: 'x\n', test: 'echo "bad config" >&2; exit 1', reload: 'true' }, step).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TRAFFIC_SWITCH_FAILED' });
    expect((error as Error).message).toContain('bad config');
    expect((await readdir(dir)).sort()).toEqual(['available', 'fresh.conf', 'site-enabled.conf']);

    const missingDir = await session.applyTrafficConfig({ path: join(dir, 'nope', 'x.conf'), content: '', test: null, reload: 'true' }, step).catch((e: unknown) => e);
    expect(missingDir).toMatchObject({ code: 'TRAFFIC_SWITCH_FAILED' });
    expect((missingDir as Error).message).toContain('does not exist');

    for (const path of ['relative.conf', `${dir}/../escape.conf`, `${dir}/a\nb.conf`, '/']) {
      await expect(session.applyTrafficConfig({ path, content: '', test: null, reload: 'true' }, step)).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
    }
  });

  it('runs the switch hook in the target root with its environment, and reports its failure', async () => {
    const output = captureOutput();
    await session.runTrafficHook(
      { command: 'printf "%s|%s|%s\\n" "$GANTRY_TARGETS" "$GANTRY_UPSTREAM" "$(pwd)"', env: { GANTRY_TARGETS: "web-a web-b 'quoted'", GANTRY_UPSTREAM: 'web' } },
      { ...step, onOutput: output.sink },
    );
    expect(output.text).toBe(`web-a web-b 'quoted'|web|${transport.root}\n`);

    const error = await session.runTrafficHook({ command: 'echo "lb api said no" >&2; exit 4', env: {} }, step).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TRAFFIC_SWITCH_FAILED', details: { exitCode: 4 } });
    expect((error as Error).message).toMatch(/switch hook .* exited with code 4: lb api said no/);

    await expect(session.runTrafficHook({ command: 'true', env: { 'BAD NAME': 'x' } }, step)).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
  });
});
