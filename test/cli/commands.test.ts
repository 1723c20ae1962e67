import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo, deploymentDto, eventDto, logDto, sendJson, sendProblem, sse, startFakeServer, type FakeServer, type Handler } from './fake-server.js';

const NOW = new Date('2025-01-01T01:00:00.000Z');

describe('client verbs', () => {
  let server: FakeServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function run(handler: Handler, ...args: string[]) {
    server = await startFakeServer(handler);
    const io = captureIo();
    const code = await main(['node', 'gantry', ...args], { ...io, env: { GANTRY_URL: server.url, GANTRY_TOKEN: 't' }, now: () => NOW });
    return { code, out: io.out(), err: io.err(), requests: server.requests };
  }

  function deployServer(final: Record<string, unknown>, events: ReturnType<typeof eventDto>[]): Handler {
    return (request, response) => {
      if (request.method === 'POST') return sendJson(response, 202, { deployment: deploymentDto(), waitingFor: ['d-0'] });
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const event of events) response.write(sse('progress', event, event.seq));
      response.write(sse('log', logDto(1, 'npm ci output'), 1));
      response.end(sse('end', deploymentDto(final)));
    };
  }

  it('deploy --wait shows one line per meaningful event and exits 0 on success', async () => {
    const result = await run(
      deployServer({ state: 'succeeded', reason: '2 of 2 targets on 1.0.0' }, [
        eventDto(1, 'deployment:queued'),
        eventDto(2, 'deployment:started'),
        eventDto(3, 'deployment:planned', null, { batches: [['web-1'], ['web-2']], allowedFailures: 0, strategy: 'rolling' }),
        eventDto(4, 'batch:started', null, { batch: 0, targets: ['web-1'] }),
        eventDto(5, 'task:started', 'web-1'),
        eventDto(6, 'task:step-started', 'web-1', { step: 'upload', attempt: 1 }),
        eventDto(7, 'task:step-succeeded', 'web-1', { step: 'upload', attempt: 1 }),
        eventDto(8, 'task:step-started', 'web-1', { step: 'health', attempt: 2 }),
        eventDto(9, 'task:succeeded', 'web-1'),
        eventDto(10, 'batch:finished', null, { batch: 0 }),
        eventDto(11, 'batch:started', null, { batch: 1, targets: ['web-2'] }),
        eventDto(12, 'deployment:succeeded', null, { reason: '2 of 2 targets on 1.0.0' }),
      ]),
      'deploy', 'shop', '1.0.0', '--to', 'staging', '--wait',
    );
    expect(result.err).toBe('');
    expect(result.out).toBe(
      [
        'deployment d-1 (shop 1.0.0 to staging)',
        'queued behind d-0',
        'deployment started',
        'planned 2 targets in 2 batches (rolling), up to 0 failures tolerated',
        'batch 1/2: web-1',
        'web-1: upload…',
        'web-1: health… (attempt 2)',
        'web-1: done',
        'batch 2/2: web-2',
        'deployment d-1 succeeded: 2 of 2 targets on 1.0.0',
        '',
      ].join('\n'),
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.requests[0]!.body.toString())).toEqual({ app: 'shop', version: '1.0.0', environment: 'staging', force: false });
    expect(result.requests[1]?.url).toBe('/api/v1/deployments/d-1/stream?after=0&logsAfter=0');
  });

  it('deploy --wait shows failures and rollback, and exits 1 when rolled back', async () => {
    const result = await run(
      deployServer({ state: 'rolled_back', reason: 'web-1 failed health; 1 switched target put back' }, [
        eventDto(1, 'task:failed', 'web-1', { step: 'health', code: 'HEALTH_CHECK_FAILED', message: 'GET http://127.0.0.1:8080/healthz answered 500' }),
        eventDto(2, 'deployment:rolling-back', null, { reason: 'web-1 failed health' }),
        eventDto(3, 'task:rollback-started', 'web-1', { to: '0.9.0' }),
        eventDto(4, 'task:rollback-step-started', 'web-1', { step: 'revert', attempt: 1 }),
        eventDto(5, 'task:rolled-back', 'web-1', { to: '0.9.0' }),
        eventDto(6, 'deployment:rolled-back', null, { reason: 'x' }),
      ]),
      'deploy', 'shop', '1.0.0', '--to=staging', '--wait', '--force',
    );
    expect(result.out.split('\n').slice(2)).toEqual([
      'web-1: health failed [HEALTH_CHECK_FAILED] GET http://127.0.0.1:8080/healthz answered 500',
      'rolling back: web-1 failed health',
      'web-1: rolling back to 0.9.0',
      'web-1: rollback revert…',
      'web-1: rolled back to 0.9.0',
      'deployment d-1 rolled_back: web-1 failed health; 1 switched target put back',
      '',
    ]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.requests[0]!.body.toString())).toMatchObject({ force: true });
  });

  it.each(['failed', 'rollback_failed', 'cancelled'])('deploy --wait exits 1 when the deployment ends %s', async (state) => {
    const result = await run(deployServer({ state }, []), 'deploy', 'shop', '1.0.0', '--to', 'staging', '--wait');
    expect(result.code).toBe(1);
  });

  it('deploy without --wait prints the id and returns at once', async () => {
    const result = await run(deployServer({ state: 'succeeded' }, []), 'deploy', 'shop', '1.0.0', '--to', 'staging');
    expect(result.out).toBe('deployment d-1 (shop 1.0.0 to staging)\nqueued behind d-0\n');
    expect(result.code).toBe(0);
    expect(result.requests).toHaveLength(1);
  });

  it('deploy --json prints the queued deployment', async () => {
    const result = await run(deployServer({ state: 'succeeded' }, []), 'deploy', 'shop', '1.0.0', '--to', 'staging', '--json');
    expect(JSON.parse(result.out)).toEqual({ deployment: deploymentDto(), waitingFor: ['d-0'] });
  });

  it('rollback posts to the environment', async () => {
    const result = await run(
      (_request, response) => sendJson(response, 202, { deployment: deploymentDto({ kind: 'rollback', version: '0.9.0' }), waitingFor: [] }),
      'rollback', 'shop', '--env', 'production',
    );
    expect(result.requests[0]).toMatchObject({ method: 'POST', url: '/api/v1/applications/shop/environments/production/rollback' });
    expect(result.out).toBe('deployment d-1 (rollback of shop in staging to 0.9.0)\n');
  });

  it('status prints a table', async () => {
    const result = await run(
      (_request, response) =>
        sendJson(response, 200, {
          app: 'shop',
          environments: [
            { environment: 'staging', liveVersion: '1.0.0', liveSince: '2025-01-01T00:00:00.000Z', latest: deploymentDto({ state: 'succeeded', createdAt: '2025-01-01T00:55:00.000Z' }) },
            { environment: 'production', liveVersion: null, liveSince: null, latest: null },
          ],
        }),
      'status', 'shop',
    );
    expect(result.out).toBe(
      ['ENVIRONMENT  LIVE   LATEST  STATE      VERSION  AGE', 'staging      1.0.0  d-1     succeeded  1.0.0    5m', 'production   -      -       -          -        -', ''].join('\n'),
    );
  });

  it('deployment show prints the deployment and its tasks', async () => {
    const task = (target: string, overrides: Record<string, unknown>) => ({
      target,
      batch: 0,
      state: 'succeeded',
      step: null,
      stepDone: true,
      attempt: 1,
      previousVersion: null,
      error: null,
      updatedAt: '2025-01-01T00:00:00.000Z',
      ...overrides,
    });
    const measurement = { seq: 7, gate: 1, template: 'errors', metric: 'rate', phase: 'failed', value: 0.25, message: 'failureCondition `result > 0.1` holds for result 0.25', at: '2025-01-01T00:01:00.000Z' };
    const result = await run(
      (request, response) =>
        request.url.startsWith('/api/v1/deployments/d-1/measurements')
          ? sendJson(response, 200, { measurements: request.url.endsWith('after=0') ? [measurement] : [] })
          : sendJson(response, 200, {
              deployment: deploymentDto({ state: 'failed', reason: 'halted', batches: [['web-1', 'web-2']], currentBatch: 0 }),
              tasks: [task('web-1', {}), task('web-2', { state: 'failed', step: 'afterInstall', attempt: 2, error: { code: 'STEP_FAILED', message: 'exit 1' } })],
              waitingFor: [],
            }),
      'deployment', 'show', 'd-1',
    );
    expect(result.out).toContain('state:       failed\n');
    expect(result.out).toContain('batch:       1/1\n');
    expect(result.out).toContain(
      ['TARGET  BATCH  STATE      STEP                      ERROR', 'web-1   1      succeeded  -                         -', 'web-2   1      failed     afterInstall (attempt 2)  [STEP_FAILED] exit 1', ''].join('\n'),
    );
    expect(result.out).toMatch(/2025-01-01T00:01:00.000Z +2 +errors +rate +0.25 +failed +failureCondition `result > 0.1` holds for result 0.25/);
  });

  it('deployment show prints its time: duration, batches and time out of rotation', async () => {
    const gap = (from: string, to: string, durationMs: number, open = false) => ({ from, to, durationMs, open });
    const time = {
      queuedMs: 0,
      durationMs: 72_000,
      batches: [
        { batch: 0, startedAt: '2025-01-01T00:00:01.000Z', endedAt: '2025-01-01T00:00:21.000Z', durationMs: 20_000, finished: true },
        { batch: 1, startedAt: '2025-01-01T00:00:22.000Z', endedAt: '2025-01-01T00:00:29.500Z', durationMs: 7500, finished: false },
      ],
      rollbackMs: 3000,
      outOfRotation: {
        targetMs: 27_000,
        longestMs: 19_000,
        targets: [
          { target: 'web-1', totalMs: 19_000, gaps: [gap('2025-01-01T00:00:01.000Z', '2025-01-01T00:00:20.000Z', 19_000)] },
          { target: 'web-2', totalMs: 8000, gaps: [gap('2025-01-01T00:00:22.000Z', '2025-01-01T00:00:30.000Z', 8000, true)] },
        ],
      },
    };
    const result = await run(
      (request, response) =>
        request.url.startsWith('/api/v1/deployments/d-1/measurements')
          ? sendJson(response, 200, { measurements: [] })
          : sendJson(response, 200, { deployment: deploymentDto({ state: 'rolled_back' }), tasks: [], waitingFor: [], time }),
      'deployment', 'show', 'd-1',
    );
    expect(result.out).toMatch(/duration: +1m12s\n/);
    expect(result.out).toMatch(/batch times: +1: 20s, 2: 7\.5s \(stopped\)\n/);
    expect(result.out).toMatch(/rollback: +3s\n/);
    expect(result.out).toMatch(/out of rotation: +27s target-time over 2 targets, longest 19s \(still out: web-2\)\n/);
  });

  it('logs pages through the lines', async () => {
    const result = await run((request, response) => {
      const after = Number(new URL(request.url, 'http://x').searchParams.get('after'));
      const logs = after === 0 ? [logDto(1, 'one'), logDto(2, 'two', null, null, 'gantry')] : after === 2 ? [logDto(3, 'three', 'web-1', 'health', 'stderr')] : [];
      sendJson(response, 200, { logs });
    }, 'logs', 'd-1');
    expect(result.out).toBe('[web-1 upload stdout] one\n[- - gantry] two\n[web-1 health stderr] three\n');
    expect(result.requests.map((request) => request.url)).toEqual(['/api/v1/deployments/d-1/logs?after=0', '/api/v1/deployments/d-1/logs?after=2', '/api/v1/deployments/d-1/logs?after=3']);
  });

  it('logs -f follows the stream until the end', async () => {
    const result = await run((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(sse('progress', eventDto(1, 'deployment:started')));
      response.write(sse('log', logDto(1, 'one')));
      response.end(sse('end', deploymentDto({ state: 'failed' })));
    }, 'logs', 'd-1', '-f');
    expect(result.out).toBe('[web-1 upload stdout] one\n');
    expect(result.code).toBe(0);
  });

  it('deployments lists with a filter and limit', async () => {
    const result = await run((_request, response) => sendJson(response, 200, { deployments: [deploymentDto({ state: 'running' })] }), 'deployments', 'shop', '--limit', '5');
    expect(result.requests[0]?.url).toBe('/api/v1/deployments?app=shop&limit=5');
    expect(result.out).toBe('ID   APP   ENVIRONMENT  VERSION  KIND    STATE    AGE\nd-1  shop  staging      1.0.0    deploy  running  1h\n');
  });

  it('target list --json prints the targets', async () => {
    const targets = [{ name: 'dev', transport: 'local', address: '/srv/dev', root: '/srv/dev', labels: {}, hostKeySha256: null, online: null, lastSeenAt: null, revoked: false, facts: null, factsReportedAt: null, createdAt: '2025-01-01T00:00:00.000Z' }];
    const result = await run((_request, response) => sendJson(response, 200, { targets }), 'target', 'list', '--json');
    expect(JSON.parse(result.out)).toEqual({ targets });
  });

  it('target remove sends DELETE', async () => {
    const result = await run((_request, response) => {
      response.writeHead(204);
      response.end();
    }, 'target', 'remove', 'web-1');
    expect(result.requests[0]).toMatchObject({ method: 'DELETE', url: '/api/v1/targets/web-1' });
    expect(result.out).toBe('removed target web-1\n');
  });

  describe('windows and the calendar', () => {
    const weekly = { name: 'weekly', kind: 'maintenance', start: null, end: null, cron: '0 22 * * 6', duration: '4h', timeZone: 'Europe/Berlin', scope: { environments: ['production'], apps: [], targetLabels: { role: 'web' } }, createdAt: '2025-01-01T00:00:00.000Z' };
    const freeze = { name: 'holidays', kind: 'freeze', start: '2025-12-20T00:00:00+01:00', end: '2026-01-02T00:00:00+01:00', cron: null, duration: null, timeZone: null, scope: { environments: [], apps: [], targetLabels: {} }, createdAt: '2025-01-01T00:00:00.000Z' };

    it('window add sends a recurring window with its scope', async () => {
      const result = await run((_request, response) => sendJson(response, 201, weekly), 'window', 'add', 'weekly', '--kind', 'maintenance', '--cron', '0 22 * * 6', '--duration', '4h', '--tz', 'Europe/Berlin', '--env', 'production', '--label', 'role=web');
      expect(result.err).toBe('');
      expect(result.code).toBe(0);
      expect(result.requests[0]).toMatchObject({ method: 'POST', url: '/api/v1/windows' });
      expect(JSON.parse(result.requests[0]!.body.toString())).toEqual({ name: 'weekly', kind: 'maintenance', cron: '0 22 * * 6', duration: '4h', timeZone: 'Europe/Berlin', scope: { environments: ['production'], apps: [], targetLabels: { role: 'web' } } });
      expect(result.out).toBe('added maintenance window weekly (0 22 * * 6 Europe/Berlin for 4h; scope env=production labels=role=web)\n');
    });

    it('window add sends a one-off window and --json prints the answer', async () => {
      const result = await run((_request, response) => sendJson(response, 201, freeze), 'window', 'add', 'holidays', '--kind', 'freeze', '--start', freeze.start, '--end', freeze.end, '--json');
      expect(JSON.parse(result.requests[0]!.body.toString())).toMatchObject({ name: 'holidays', kind: 'freeze', start: freeze.start, end: freeze.end });
      expect(JSON.parse(result.out)).toEqual(freeze);
    });

    it('window add refuses a mix of one-off and recurring options before sending anything', async () => {
      const mixed = await run(() => undefined, 'window', 'add', 'x', '--kind', 'freeze', '--cron', '0 1 * * *', '--start', freeze.start);
      expect(mixed.code).toBe(2);
      expect(mixed.err).toMatch(/^error\[REQUEST_INVALID\]: --start is for one-off windows/);
      expect(mixed.requests).toHaveLength(0);
      const partial = await run(() => undefined, 'window', 'add', 'x', '--kind', 'maintenance', '--cron', '0 1 * * *', '--tz', 'UTC');
      expect(partial.err).toBe('error[REQUEST_INVALID]: a recurring window needs --duration as well (--cron EXPR --duration DUR --tz ZONE)\n');
      const noKind = await run(() => undefined, 'window', 'add', 'x', '--start', freeze.start, '--end', freeze.end);
      expect(noKind.code).toBe(2);
    });

    it('window add reports the server refusing a bad time zone', async () => {
      const result = await run((_request, response) => sendProblem(response, 400, 'REQUEST_INVALID', 'body.timeZone: unknown time zone "Mars/Olympus"', { where: 'body.timeZone' }), 'window', 'add', 'x', '--kind', 'maintenance', '--cron', '0 1 * * *', '--duration', '1h', '--tz', 'Mars/Olympus');
      expect(result.code).toBe(2);
      expect(result.err).toContain('error[REQUEST_INVALID]: body.timeZone: unknown time zone "Mars/Olympus"');
    });

    it('window list shows the schedule in UTC and the scope', async () => {
      const result = await run((_request, response) => sendJson(response, 200, { windows: [freeze, weekly] }), 'window', 'list');
      expect(result.out.split('\n')[0]).toMatch(/^NAME\s+KIND\s+SCHEDULE\s+SCOPE$/);
      expect(result.out).toContain('2025-12-19T23:00:00.000Z – 2026-01-01T23:00:00.000Z');
      expect(result.out).toContain('0 22 * * 6 Europe/Berlin for 4h');
      expect(result.out).toContain('env=production labels=role=web');
      const json = await run((_request, response) => sendJson(response, 200, { windows: [weekly] }), 'window', 'list', '--json');
      expect(JSON.parse(json.out)).toEqual({ windows: [weekly] });
    });

    it('window remove sends DELETE and reports an unknown window', async () => {
      const removed = await run((_request, response) => {
        response.writeHead(204);
        response.end();
      }, 'window', 'remove', 'weekly');
      expect(removed.requests[0]).toMatchObject({ method: 'DELETE', url: '/api/v1/windows/weekly' });
      expect(removed.out).toBe('removed window weekly\n');
      const missing = await run((_request, response) => sendProblem(response, 404, 'WINDOW_NOT_FOUND', 'window weekly does not exist'), 'window', 'remove', 'weekly');
      expect(missing.code).toBe(3);
      expect(missing.err).toBe('error[WINDOW_NOT_FOUND]: window weekly does not exist\n');
    });

    it('calendar passes the range and filters and prints windows and changes by START, END, KIND, WHAT', async () => {
      const calendar = {
        from: '2026-03-20T00:00:00.000Z',
        to: '2026-04-05T00:00:00.000Z',
        occurrences: [
          { window: 'weekly', kind: 'maintenance', start: '2026-03-28T21:00:00.000Z', end: '2026-03-29T01:00:00.000Z' },
          { window: 'weekly', kind: 'maintenance', start: '2026-04-04T20:00:00.000Z', end: '2026-04-05T00:00:00.000Z' },
        ],
        changes: [{ id: 'C-7', title: 'New checkout', state: 'scheduled', app: 'shop', environment: 'production', start: '2026-03-28T22:00:00.000Z', end: '2026-03-28T23:00:00.000Z' }],
      };
      const result = await run((_request, response) => sendJson(response, 200, calendar), 'calendar', '--from', '2026-03-20T00:00:00Z', '--to', '2026-04-05T00:00:00Z', '--env', 'production', '--app', 'shop');
      const url = new URL(result.requests[0]!.url, 'http://x');
      expect(url.pathname).toBe('/api/v1/calendar');
      expect(Object.fromEntries(url.searchParams)).toEqual({ from: '2026-03-20T00:00:00Z', to: '2026-04-05T00:00:00Z', environment: 'production', app: 'shop' });
      const lines = result.out.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^START\s+END\s+KIND\s+WHAT$/);
      expect(lines[1]).toMatch(/^2026-03-28T21:00:00.000Z\s+2026-03-29T01:00:00.000Z\s+maintenance\s+weekly$/);
      expect(lines[2]).toMatch(/^2026-03-28T22:00:00.000Z\s+2026-03-28T23:00:00.000Z\s+change\s+C-7 shop to production \(scheduled\): New checkout$/);
      expect(lines).toHaveLength(4);
      const json = await run((_request, response) => sendJson(response, 200, calendar), 'calendar', '--json');
      expect(new URL(json.requests[0]!.url, 'http://x').search).toBe('');
      expect(JSON.parse(json.out)).toEqual(calendar);
    });
  });

  describe('with files', () => {
    let dir: string;
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('apply sends the manifest text and its file name', async () => {
      dir = await mkdtemp(join(tmpdir(), 'gantry-apply-'));
      await writeFile(join(dir, 'gantry.yaml'), 'app: shop\n');
      const application = { name: 'shop', environments: [{ name: 'staging', targets: {}, protected: false }], lifecycle: [], strategy: 'rolling', manifest: '', createdAt: '', updatedAt: '' };
      server = await startFakeServer((_request, response) => sendJson(response, 201, { application, created: true }));
      const io = captureIo();
      const code = await main(['node', 'gantry', 'apply', '-f', 'gantry.yaml'], { ...io, cwd: dir, env: { GANTRY_URL: server.url } });
      expect(code).toBe(0);
      expect(JSON.parse(server.requests[0]!.body.toString())).toEqual({ manifest: 'app: shop\n', file: 'gantry.yaml' });
      expect(io.out()).toBe('created application shop (1 environment: staging)\n');
    });

    it('apply prints the problems of an invalid manifest from the server', async () => {
      dir = await mkdtemp(join(tmpdir(), 'gantry-apply-'));
      await writeFile(join(dir, 'gantry.yaml'), 'app: shop\n');
      server = await startFakeServer((_request, response) =>
        sendProblem(response, 400, 'MANIFEST_INVALID', 'gantry.yaml:1:1: environments: is required (expected array)', {
          problems: [{ file: 'gantry.yaml', line: 1, column: 1, path: 'environments', message: 'is required (expected array)' }],
        }),
      );
      const io = captureIo();
      const code = await main(['node', 'gantry', 'apply'], { ...io, cwd: dir, env: { GANTRY_URL: server.url } });
      expect(code).toBe(2);
      expect(io.err()).toBe('error[MANIFEST_INVALID]: gantry.yaml is not a valid manifest (1 problem)\ngantry.yaml:1:1: environments: is required (expected array)\n');
    });

    it('release create packs the directory, uploads it and prints digest and size', async () => {
      dir = await mkdtemp(join(tmpdir(), 'gantry-release-'));
      await writeFile(join(dir, 'index.js'), 'console.log("hi")\n');
      const release = { app: 'shop', version: '1.2.0', digest: 'sha256:0123456789abcdef', sizeBytes: 2048, commit: 'abc', notes: null, createdAt: '' };
      server = await startFakeServer((request, response) => (request.method === 'GET' ? sendJson(response, 200, { releases: [] }) : sendJson(response, 201, release)));
      const io = captureIo();
      const code = await main(['node', 'gantry', 'release', 'create', 'shop', '1.2.0', '--path', '.', '--commit', 'abc'], { ...io, cwd: dir, env: { GANTRY_URL: server.url } });
      expect(io.err()).toBe('');
      expect(code).toBe(0);
      const upload = server.requests[1]!;
      expect(upload.url).toBe('/api/v1/applications/shop/releases/1.2.0?commit=abc');
      expect(upload.headers['content-type']).toBe('application/gzip');
      expect(gunzipSync(upload.body).toString('latin1')).toContain('console.log("hi")');
      expect(io.out()).toBe('created release shop 1.2.0\n  digest: sha256:0123456789abcdef\n  size:   2.0 KiB (2048 bytes)\n');
    });

    it('release create refuses an existing version before packing', async () => {
      dir = await mkdtemp(join(tmpdir(), 'gantry-release-'));
      const existing = { app: 'shop', version: '1.2.0', digest: 'sha256:00', sizeBytes: 1, commit: null, notes: null, createdAt: '' };
      server = await startFakeServer((_request, response) => sendJson(response, 200, { releases: [existing] }));
      const io = captureIo();
      const code = await main(['node', 'gantry', 'release', 'create', 'shop', '1.2.0', '--path', dir], { ...io, env: { GANTRY_URL: server.url } });
      expect(code).toBe(4);
      expect(io.err()).toBe('error[RELEASE_EXISTS]: release shop 1.2.0 already exists; releases are immutable, so pick a new version\n');
      expect(server.requests).toHaveLength(1);
    });

    it('release create names a missing directory', async () => {
      dir = await mkdtemp(join(tmpdir(), 'gantry-release-'));
      const io = captureIo();
      const code = await main(['node', 'gantry', 'release', 'create', 'shop', '1.2.0', '--path', 'nope'], { ...io, cwd: dir, env: {} });
      expect(code).toBe(2);
      expect(io.err()).toBe('error[REQUEST_INVALID]: --path nope: no such directory\n');
    });
  });
});
