/**
 * The SSRF guard of the HTTP-based analysis providers, against a real HTTP server on 127.0.0.1.
 * Nothing here contacts another machine: off-machine destinations are refused before any socket
 * exists, which the net.client.socket diagnostics channel proves.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMetricReader, type MetricReaderOptions } from '../../src/analysis/metric-readers.js';
import { renderMetric } from '../../src/core/analysis/render-query.js';
import { analysisTemplateSchema } from '../../src/core/analysis/template-schema.js';
import { parseOutboundAllow } from '../../src/outbound/outbound-policy.js';
import { sendOutbound, type ResolveHost } from '../../src/outbound/outbound-request.js';

describe('outbound guard of the analysis providers', () => {
  let server: Server;
  let port: number;
  let base: string;
  const seen: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      seen.push(request.url ?? '');
      const path = (request.url ?? '').split('?')[0];
      if (path === '/stats') {
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"rate":0.5}');
      } else if (path === '/api/v1/query') {
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"success","data":{"resultType":"scalar","result":[1,"0.25"]}}');
      } else if (path === '/redirect') {
        response.writeHead(302, { location: `http://user:pw@127.0.0.1:${port}/stats?key=s3cr3t` }).end();
      } else {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const context = { app: 'shop', release: '2.0.0', env: 'production', targets: ['web-1'], args: {} };

  function readHttp(url: string, options: MetricReaderOptions = {}) {
    const template = analysisTemplateSchema.parse({ metrics: [{ name: 'm', provider: { http: { url, jsonPath: '$.rate', timeout: '2s' } } }] });
    return createMetricReader(options).read(renderMetric('t', template.metrics[0]!, context), AbortSignal.timeout(10_000));
  }

  function readPrometheus(address: string, options: MetricReaderOptions = {}) {
    const template = analysisTemplateSchema.parse({ metrics: [{ name: 'm', provider: { prometheus: { address, query: 'up', timeout: '2s' } } }] });
    return createMetricReader(options).read(renderMetric('t', template.metrics[0]!, context), AbortSignal.timeout(10_000));
  }

  /** The requests the server saw during `run`. */
  async function requestsDuring(run: () => Promise<unknown>): Promise<string[]> {
    const before = seen.length;
    await run();
    return seen.slice(before);
  }

  it('calls loopback when the policy allows it: by default, and with an allow-list that lists it', async () => {
    expect(await readHttp(`${base}/stats`)).toBe(0.5);
    expect(await readHttp(`http://localhost:${port}/stats`, { outboundAllow: parseOutboundAllow('127.0.0.0/8') })).toBe(0.5);
    expect(await readHttp(`${base}/stats`, { outboundAllow: parseOutboundAllow('10.0.0.0/8, 127.0.0.1') })).toBe(0.5);
    expect(await readPrometheus(base, { outboundAllow: parseOutboundAllow('127.0.0.0/8') })).toBe(0.25);
  });

  it('refuses loopback in every spelling when the allow-list excludes it, without a request reaching the server', async () => {
    const outboundAllow = parseOutboundAllow('10.0.0.0/8, *.example.com');
    const refused = [
      [`http://127.0.0.1:${port}/stats`, `http://127.0.0.1:${port}/stats`, '127.0.0.1 is not in GANTRY_OUTBOUND_ALLOW'],
      [`http://0x7f.1:${port}/stats`, `http://127.0.0.1:${port}/stats`, '127.0.0.1 is not in GANTRY_OUTBOUND_ALLOW'],
      [`http://2130706433:${port}/stats`, `http://127.0.0.1:${port}/stats`, '127.0.0.1 is not in GANTRY_OUTBOUND_ALLOW'],
      [`http://[::ffff:127.0.0.1]:${port}/stats`, `http://[::ffff:7f00:1]:${port}/stats`, '127.0.0.1 is not in GANTRY_OUTBOUND_ALLOW'],
      [`http://[::ffff:7f00:1]:${port}/stats`, `http://[::ffff:7f00:1]:${port}/stats`, '127.0.0.1 is not in GANTRY_OUTBOUND_ALLOW'],
      [`http://localhost:${port}/stats`, `http://localhost:${port}/stats`, 'localhost resolves to'],
    ] as const;
    const requests = await requestsDuring(async () => {
      for (const [url, shown, why] of refused) {
        await expect(readHttp(url, { outboundAllow })).rejects.toThrow(`refusing to call the metric endpoint at ${shown}: ${why}`);
      }
      await expect(readHttp(`http://localhost:${port}/stats`, { outboundAllow })).rejects.toThrow(/which is not in GANTRY_OUTBOUND_ALLOW$/);
      await expect(readPrometheus(`http://0x7f.1:${port}`, { outboundAllow })).rejects.toThrow(`refusing to call Prometheus at http://127.0.0.1:${port}/api/v1/query: 127.0.0.1 is not in GANTRY_OUTBOUND_ALLOW`);
    });
    expect(requests).toEqual([]);
  });

  it('does not show the query of a refused URL (manifests cannot put credentials in a URL)', async () => {
    const message = await readHttp(`http://127.0.0.1:${port}/stats?key=s3cr3t`, { outboundAllow: parseOutboundAllow('10.0.0.0/8') }).catch((error: Error) => error.message);
    expect(message).toBe(`refusing to call the metric endpoint at http://127.0.0.1:${port}/stats: 127.0.0.1 is not in GANTRY_OUTBOUND_ALLOW`);
  });

  it("refuses this server's own listening address and port, in any spelling", async () => {
    const own = { server: { host: '127.0.0.1', port } };
    const requests = await requestsDuring(async () => {
      await expect(readHttp(`${base}/stats`, own)).rejects.toThrow(`refusing to call the metric endpoint at ${base}/stats: 127.0.0.1 is this Gantry server's own address (port ${port})`);
      await expect(readHttp(`http://[::ffff:127.0.0.1]:${port}/stats`, own)).rejects.toThrow("127.0.0.1 is this Gantry server's own address");
      await expect(readHttp(`http://localhost:${port}/stats`, { server: { host: '0.0.0.0', port } })).rejects.toThrow(/localhost resolves to .*, which is this Gantry server's own address/);
      await expect(readHttp(`${base}/stats`, { server: { host: '::', port } })).rejects.toThrow("127.0.0.1 is this Gantry server's own address");
    });
    expect(requests).toEqual([]);
    // Another port of the same machine is not the server.
    expect(await readHttp(`${base}/stats`, { server: { host: '127.0.0.1', port: port === 1 ? 2 : port - 1 } })).toBe(0.5);
  });

  it('refuses a redirect, even to an allowed loopback URL, and says where it led without its query or credentials', async () => {
    const requests = await requestsDuring(async () => {
      await expect(readHttp(`${base}/redirect`)).rejects.toThrow(`the metric endpoint at ${base}/redirect answered HTTP 302 with a redirect to http://127.0.0.1:${port}/stats; redirects are not followed`);
    });
    expect(requests).toEqual(['/redirect']);
  });

  it('checks the connected peer once more before it writes the request', async () => {
    // A policy that changes its mind between the lookup and the connection: the peer check holds.
    const asked: string[] = [];
    const policy = { refusal: ({ address }: { address: string }) => (asked.push(address), asked.length > 1 ? `${address} is refused on connect` : undefined) };
    const resolve: ResolveHost = (_hostname, _options, callback) => callback(null, [{ address: '127.0.0.1', family: 4 }]);
    const requests = await requestsDuring(async () => {
      await expect(sendOutbound(new URL(`http://peer.test:${port}/stats`), { method: 'GET', headers: {}, signal: AbortSignal.timeout(5000), maxResponseBytes: 1024, policy, resolve })).rejects.toThrow('127.0.0.1 is refused on connect');
    });
    expect(asked).toEqual(['127.0.0.1', '127.0.0.1']);
    expect(requests).toEqual([]);
  });

  describe('cloud metadata', () => {
    const sockets: unknown[] = [];
    const onSocket = (message: unknown) => void sockets.push(message);
    beforeEach(() => {
      sockets.length = 0;
      subscribe('net.client.socket', onSocket);
    });
    afterEach(() => void unsubscribe('net.client.socket', onSocket));

    /** A resolver that records each question and answers 169.254.169.254. */
    function metadataResolver(): { resolve: ResolveHost; asked: string[] } {
      const asked: string[] = [];
      return { asked, resolve: (hostname, _options, callback) => (asked.push(hostname), callback(null, [{ address: '169.254.169.254', family: 4 }])) };
    }

    it('refuses 169.254.169.254 before a socket exists, in any spelling, by default and with an allow-list', async () => {
      const { resolve, asked } = metadataResolver();
      for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://0xa9fea9fe/latest/meta-data/', 'http://[::ffff:169.254.169.254]/latest/meta-data/']) {
        await expect(readHttp(url, { resolve })).rejects.toThrow(/: 169\.254\.169\.254 is link-local$/);
        await expect(readHttp(url, { resolve, outboundAllow: parseOutboundAllow('*.example.com') })).rejects.toThrow(/: 169\.254\.169\.254 is not in GANTRY_OUTBOUND_ALLOW$/);
      }
      await expect(readPrometheus('http://169.254.169.254', { resolve })).rejects.toThrow('refusing to call Prometheus at http://169.254.169.254/api/v1/query: 169.254.169.254 is link-local');
      expect(asked).toEqual([]);
      expect(sockets).toEqual([]);
    });

    it('refuses a host name that resolves to it (DNS rebinding), in the lookup of the connection, even when the name is allowed', async () => {
      const { resolve, asked } = metadataResolver();
      await expect(readHttp('http://metadata.example.com/latest/meta-data/?token=s3cr3t', { resolve })).rejects.toThrow(
        'refusing to call the metric endpoint at http://metadata.example.com/latest/meta-data/: metadata.example.com resolves to 169.254.169.254, which is link-local',
      );
      await expect(readHttp('http://metadata.example.com/', { resolve, outboundAllow: parseOutboundAllow('*.example.com') })).rejects.toThrow('metadata.example.com resolves to 169.254.169.254, which is link-local');
      expect(asked).toEqual(['metadata.example.com', 'metadata.example.com']);
      // The connection got no address to connect to: its socket never left the lookup.
      for (const message of sockets) expect((message as { socket: { remoteAddress?: string } }).socket.remoteAddress).toBeUndefined();
    });

    it('connects only to the allowed addresses of a name that resolves to several', async () => {
      const resolve: ResolveHost = (_hostname, _options, callback) =>
        callback(null, [
          { address: '169.254.169.254', family: 4 },
          { address: '127.0.0.1', family: 4 },
        ]);
      expect(await readHttp(`http://mixed.example.com:${port}/stats`, { resolve })).toBe(0.5);
    });
  });
});
