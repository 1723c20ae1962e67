import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { formatReport, lastMismatch, startLoad, summarize } from './load-generator.mjs';

interface TestServer {
  readonly url: string;
  /** Requests the server has seen. */
  readonly seen: () => number;
  close(): Promise<void>;
}

const servers: TestServer[] = [];

/** A loopback server; `handler` gets the request's number (1, 2, …). */
async function serve(handler: (n: number, request: IncomingMessage, response: ServerResponse) => void): Promise<TestServer> {
  let n = 0;
  const server: Server = createServer((request, response) => handler(++n, request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const handle: TestServer = {
    url: `http://127.0.0.1:${port}/`,
    seen: () => n,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(handle);
  return handle;
}

/** A port nobody listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = await serve(() => undefined);
  const port = Number(new URL(server.url).port);
  await server.close();
  return port;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

describe('load generator', () => {
  it('sends exactly maxRequests, all answered, and splits them into the phases they were sent in', async () => {
    const server = await serve((_n, _request, response) => response.end('release 1.0.0 on web-1\nsecond line\n'));
    const run = startLoad({ url: server.url, ratePerSecond: 200, maxRequests: 100, maxDurationMs: 10_000, phase: 'before' });
    // Mark once some (not all) have gone out; a bounded wait.
    for (let i = 0; i < 500 && run.sent < 30; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    const markedAt = run.mark('during');
    const report = await run.done;

    expect(report.stoppedBy).toBe('maxRequests');
    expect(report.total).toMatchObject({ sent: 100, ok: 100, failed: 0, pending: 0, failures: {}, statuses: { 200: 100 }, bodies: { 'release 1.0.0 on web-1': 100 } });
    expect(report.total.latency.count).toBe(100);
    expect(server.seen()).toBe(100);
    expect(report.phaseOrder).toEqual(['before', 'during']);
    expect(report.phases.before!.sent + report.phases.during!.sent).toBe(100);
    expect(report.phases.before!.sent).toBeGreaterThanOrEqual(30);
    const records = run.responses();
    expect(records.map((record) => record.index)).toEqual([...Array(100).keys()]);
    for (const record of records) expect(record.phase).toBe(record.sentAt < markedAt ? 'before' : 'during');
    expect(summarize(records.filter((record) => record.phase === 'during'))).toMatchObject({ sent: report.phases.during!.sent, ok: report.phases.during!.ok });
    expect(lastMismatch(records, (body) => body.includes('release 1.0.0'))).toBeNull();
    expect(formatReport(report)).toContain('total: sent 100, ok 100, failed 0');
  });

  it('counts every 500 as a failure, with examples', async () => {
    const server = await serve((n, _request, response) => {
      response.statusCode = n % 4 === 0 ? 500 : 200;
      response.end(n % 4 === 0 ? 'boom\n' : 'fine\n');
    });
    const report = await startLoad({ url: server.url, ratePerSecond: 250, maxRequests: 100, maxDurationMs: 10_000, maxSockets: 8 }).done;
    expect(report.total).toMatchObject({ sent: 100, ok: 75, failed: 25, statuses: { 200: 75, 500: 25 }, bodies: { fine: 75, boom: 25 } });
    expect(Object.keys(report.total.failures)).toEqual(['status 500']);
    expect(report.total.failures['status 500']!.count).toBe(25);
    expect(report.total.failures['status 500']!.examples).toHaveLength(5);
    expect(report.total.failures['status 500']!.examples[0]).toMatchObject({ status: 500, body: 'boom', error: null });
  });

  it('counts connections reset mid-request and answers that never come, and finds the last unexpected body', async () => {
    const server = await serve((n, request, response) => {
      if (n % 5 === 0) return request.socket.destroy();
      if (n % 7 === 0) return; // never answers: the request times out
      response.end(n <= 50 ? 'old\n' : 'new\n');
    });
    const run = startLoad({ url: server.url, ratePerSecond: 250, maxRequests: 100, maxDurationMs: 10_000, timeoutMs: 1000 });
    const report = await run.done;
    // 1..100: 20 multiples of 5; multiples of 7 that are not multiples of 5: 14 - 2 = 12.
    expect(server.seen()).toBe(100);
    expect(report.total).toMatchObject({ sent: 100, ok: 68, failed: 32, pending: 0 });
    expect(report.total.failures.ECONNRESET?.count).toBe(20);
    expect(report.total.failures.timeout?.count).toBe(12);
    // Requests reach the server in send order only per socket, so check the mismatch against the bodies themselves.
    const last = lastMismatch(run.responses(), (body) => body === 'new');
    expect(last).not.toBeNull();
    expect(run.responses().slice(last!.index + 1).every((record) => record.ok && record.body === 'new')).toBe(true);
  });

  it('counts refused connections', async () => {
    const port = await closedPort();
    const report = await startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: 200, maxRequests: 20, maxDurationMs: 5000 }).done;
    expect(report.total).toMatchObject({ sent: 20, ok: 0, failed: 20, statuses: {}, bodies: {} });
    expect(report.total.failures).toEqual({ ECONNREFUSED: expect.objectContaining({ count: 20 }) });
    expect(report.total.latency).toEqual({ count: 0, p50: null, p95: null, p99: null, max: null });
  });

  it('stops on stop() and at maxDurationMs, with nothing left in flight', async () => {
    const server = await serve((_n, _request, response) => response.end('ok\n'));
    const run = startLoad({ url: server.url, ratePerSecond: 100, maxRequests: 100_000, maxDurationMs: 30_000 });
    for (let i = 0; i < 500 && run.sent < 10; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    const stopped = await run.stop();
    expect(stopped.stoppedBy).toBe('stop');
    expect(run.sending).toBe(false);
    expect(stopped.total.sent).toBe(run.responses().length);
    expect(stopped.total.sent).toBeLessThan(100_000);
    expect(stopped.total).toMatchObject({ ok: stopped.total.sent, pending: 0 });
    expect(run.inFlight).toBe(0);

    const timed = await startLoad({ url: server.url, ratePerSecond: 50, maxRequests: 100_000, maxDurationMs: 200 }).done;
    expect(timed.stoppedBy).toBe('maxDuration');
    // Requests are scheduled at 0, 20, …, 180 ms: at most 10 go out.
    expect(timed.total.sent).toBeLessThanOrEqual(10);
    expect(timed.total).toMatchObject({ failed: 0, pending: 0 });
  });

  it('refuses a run without both bounds', () => {
    expect(() => startLoad({ url: 'http://127.0.0.1:1/', ratePerSecond: 10, maxRequests: 10, maxDurationMs: Infinity })).toThrow(/maxDurationMs/);
    expect(() => startLoad({ url: 'http://127.0.0.1:1/', ratePerSecond: 10, maxRequests: 0, maxDurationMs: 1000 })).toThrow(/maxRequests/);
    expect(() => startLoad({ url: 'https://127.0.0.1:1/', ratePerSecond: 10, maxRequests: 1, maxDurationMs: 1000 })).toThrow(/http/);
  });
});
