/** The http metric provider against a local node:http server. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetricReader } from '../../src/analysis/metric-readers.js';
import { renderMetric } from '../../src/core/analysis/render-query.js';
import { analysisTemplateSchema } from '../../src/core/analysis/template-schema.js';

describe('http metric provider', () => {
  let server: Server;
  let base: string;
  const seen: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
  const hanging = new Set<() => void>();

  beforeAll(async () => {
    server = createServer((request, response) => {
      seen.push({ url: request.url ?? '', headers: request.headers });
      const path = (request.url ?? '').split('?')[0];
      if (path === '/stats') {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: { rate: 0.02 }, releases: [{ version: '2.0.0', ok: true }] }));
      } else if (path === '/text') {
        response.writeHead(200, { 'content-type': 'text/plain' }).end('all good');
      } else if (path === '/unavailable') {
        response.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"warming up"}');
      } else if (path === '/big') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(`[${'1,'.repeat(600_000)}1]`);
      } else if (path === '/hang') {
        hanging.add(() => response.destroy());
      } else {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const close of hanging) close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const context = { app: 'shop', release: '2.0.0+b1', env: 'production', targets: ['web-1', 'web-2'], args: { token: 's3cr3t-token' } };

  function read(http: Record<string, unknown>, signal = AbortSignal.timeout(10_000)) {
    const template = analysisTemplateSchema.parse({ args: ['token'], metrics: [{ name: 'm', provider: { http: { timeout: '2s', ...http } } }] });
    return createMetricReader().read(renderMetric('t', template.metrics[0]!, context), signal);
  }

  it('reads the value at jsonPath, with placeholders URL-encoded and headers sent', async () => {
    expect(await read({ url: `${base}/stats?release={{release}}&targets={{targets}}`, jsonPath: '$.errors.rate', headers: { Authorization: 'Bearer {{args.token}}' } })).toBe(0.02);
    const request = seen.at(-1)!;
    expect(request.url).toBe('/stats?release=2.0.0%2Bb1&targets=web-1%7Cweb-2');
    expect(request.headers.authorization).toBe('Bearer s3cr3t-token');
    expect(await read({ url: `${base}/stats`, jsonPath: '$.releases[0]' })).toEqual({ version: '2.0.0', ok: true });
    expect(await read({ url: `${base}/stats`, jsonPath: '$.releases[0].ok' })).toBe(true);
  });

  it('refuses a missing path, a body that is not JSON, and a status that is not 2xx — without showing secrets', async () => {
    const headers = { Authorization: 'Bearer {{args.token}}' };
    await expect(read({ url: `${base}/stats`, jsonPath: '$.errors.ratio', headers })).rejects.toThrow('jsonPath $.errors.ratio: $.errors.ratio does not exist');
    await expect(read({ url: `${base}/text`, jsonPath: '$', headers })).rejects.toThrow(`${base}/text answered HTTP 200 with a body that is not JSON (text/plain)`);
    const unavailable = read({ url: `${base}/unavailable?key={{args.token}}`, jsonPath: '$', headers });
    await expect(unavailable).rejects.toThrow(`${base}/unavailable answered HTTP 503, not 2xx`);
    const message = await unavailable.catch((error: Error) => error.message);
    expect(message).not.toContain('s3cr3t');
  });

  it('gives up after its timeout, and on a body larger than 1 MiB', async () => {
    await expect(read({ url: `${base}/hang`, jsonPath: '$', timeout: '300ms' })).rejects.toThrow(`the metric endpoint at ${base}/hang did not answer within 300ms`);
    await expect(read({ url: `${base}/big`, jsonPath: '$' })).rejects.toThrow(`the response from ${base}/big is larger than 1 MiB`);
  });

  it('rejects with the reason of an aborted signal', async () => {
    const controller = new AbortController();
    const reason = new Error('analysis stopped');
    const pending = read({ url: `${base}/hang`, jsonPath: '$', timeout: '10s' }, controller.signal);
    setTimeout(() => controller.abort(reason), 50);
    await expect(pending).rejects.toBe(reason);
  });
});
