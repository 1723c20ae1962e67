/**
 * Metric analysis against a real Prometheus: it scrapes a tiny /metrics endpoint every second,
 * and runAnalysis reads it through the real provider with the real clock.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetricReader } from '../../src/analysis/metric-readers.js';
import { renderMetric } from '../../src/core/analysis/render-query.js';
import { analysisTemplateSchema } from '../../src/core/analysis/template-schema.js';
import { runAnalysis, type MeasurementRecord } from '../../src/engine/analysis/run-analysis.js';
import { systemClock } from '../../src/main/system-clock.js';
import { prometheusAvailable, startPrometheus, type PrometheusFixture } from '../support/prometheus.js';

/** Requests each scrape adds, by release: `good` serves no errors, `bad` 30 %. */
const TRAFFIC: Record<string, { ok: number; errors: number }> = { good: { ok: 100, errors: 0 }, bad: { ok: 70, errors: 30 } };
const ERROR_RATIO = 'sum(rate(http_requests_total{status="500",release="{{release}}"}[5s])) / sum(rate(http_requests_total{release="{{release}}"}[5s]))';

/** An application's /metrics: http_requests_total counters that grow with every scrape. */
function startMetricsServer(): Promise<Server> {
  const totals = new Map<string, number>();
  const server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    const lines = ['# HELP http_requests_total Requests served.', '# TYPE http_requests_total counter'];
    for (const [release, traffic] of Object.entries(TRAFFIC)) {
      for (const [status, added] of [['200', traffic.ok], ['500', traffic.errors]] as const) {
        const key = `release="${release}",status="${status}"`;
        const total = (totals.get(key) ?? 0) + added;
        totals.set(key, total);
        lines.push(`http_requests_total{${key}} ${total}`);
      }
    }
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`${lines.join('\n')}\n`);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe.skipIf(!prometheusAvailable())('analysis with a real Prometheus', () => {
  let metrics: Server;
  let prometheus: PrometheusFixture;

  beforeAll(async () => {
    metrics = await startMetricsServer();
    prometheus = await startPrometheus({ targets: [`127.0.0.1:${(metrics.address() as AddressInfo).port}`] });
    // Two scrapes of both releases, so rate() has something to work with.
    await prometheus.waitForSeries('sum(rate(http_requests_total{release="bad",status="500"}[5s])) > 0');
    await prometheus.waitForSeries('sum(rate(http_requests_total{release="good",status="200"}[5s])) > 0');
  });

  afterAll(async () => {
    await prometheus?.stop();
    await new Promise((resolve) => metrics?.close(resolve));
  });

  function errorRate(release: string, metric: Record<string, unknown>) {
    const template = analysisTemplateSchema.parse({
      metrics: [{ name: 'errors', provider: { prometheus: { address: prometheus.address, query: ERROR_RATIO, timeout: '5s' } }, successCondition: 'result < 0.05', interval: '1s', ...metric }],
    });
    return { template: 'error-rate', metrics: template.metrics, context: { app: 'shop', release, env: 'production', targets: ['web-1'], args: {} } };
  }

  async function analyse(run: ReturnType<typeof errorRate>) {
    const records: MeasurementRecord[] = [];
    const result = await runAnalysis(run, { reader: createMetricReader(), clock: systemClock, signal: AbortSignal.timeout(30_000), onMeasurement: (record) => void records.push(record) });
    return { result, records };
  }

  it('passes a release whose error rate stays low', async () => {
    const { result, records } = await analyse(errorRate('good', { count: 3 }));
    expect(result.outcome).toBe('successful');
    expect(result.reason).toBe('metric errors: 3 of 3 measurements done without crossing a limit (3 successful, 0 failed, 0 inconclusive) (last result 0)');
    expect(records.map((record) => [record.phase, record.value])).toEqual([['successful', 0], ['successful', 0], ['successful', 0]]);
  });

  it('fails a release whose error rate is above the condition more often than failureLimit', async () => {
    const { result, records } = await analyse(errorRate('bad', { count: 5, failureLimit: 1 }));
    expect(result.outcome).toBe('failed');
    expect(result.metric).toBe('errors');
    expect(result.reason).toMatch(/^metric errors: 2 of 2 measurements failed, more than failureLimit 1 \(last result 0\.(?:3|29999)\d*\)$/);
    expect(records).toHaveLength(2);
    for (const record of records) {
      expect(record.phase).toBe('failed');
      expect(record.value).toBeCloseTo(0.3, 6);
      expect(record.message).toMatch(/^successCondition `result < 0.05` does not hold for result 0\.(?:3|29999)/);
    }
  });

  it('ends in error when the query keeps returning no samples', async () => {
    const { result, records } = await analyse(errorRate('never-deployed', { count: 3, interval: '200ms', consecutiveErrorLimit: 2 }));
    expect(result).toEqual({
      outcome: 'error',
      metric: 'errors',
      reason: 'metric errors: 3 measurements in a row had errors, more than consecutiveErrorLimit 2 (last error: query returned no samples)',
    });
    expect(records.map((record) => [record.phase, record.value, record.message])).toEqual(Array.from({ length: 3 }, () => ['error', null, 'query returned no samples']));
  });

  it("records Prometheus' own error for a query it cannot parse", async () => {
    const run = errorRate('good', { count: 3, consecutiveErrorLimit: 0 });
    const broken = analysisTemplateSchema.parse({ metrics: [{ name: 'errors', provider: { prometheus: { address: prometheus.address, query: 'sum(rate(http_requests_total[5s])' } }, count: 3, consecutiveErrorLimit: 0 }] });
    const { result, records } = await analyse({ ...run, metrics: broken.metrics });
    expect(result.outcome).toBe('error');
    expect(records).toHaveLength(1);
    expect(records[0]!.phase).toBe('error');
    expect(records[0]!.message).toMatch(/^Prometheus rejected the query \(HTTP 400\): bad_data: .*unclosed left parenthesis/);
    expect(result.reason).toContain(`(last error: ${records[0]!.message})`);
  });

  describe('the reader', () => {
    const context = { app: 'shop', release: 'good', env: 'production', targets: ['web-1'], args: {} };
    const read = (query: string, address = prometheus.address) => {
      const template = analysisTemplateSchema.parse({ metrics: [{ name: 'm', provider: { prometheus: { address, query, timeout: '2s' } } }] });
      return createMetricReader().read(renderMetric('t', template.metrics[0]!, context), AbortSignal.timeout(10_000));
    };

    it('returns a number for a scalar or one sample, an array for several', async () => {
      expect(await read('1 + 1')).toBe(2);
      expect(await read('sum(http_requests_total{release="{{release}}",status="500"})')).toBe(0);
      const several = await read('http_requests_total{release="{{release}}"}');
      expect(Array.isArray(several) && several.length === 2 && several.every((value) => typeof value === 'number')).toBe(true);
    });

    it('keeps NaN and infinities as numbers', async () => {
      expect(await read('0 / 0')).toBeNaN();
      expect(await read('1 / 0')).toBe(Number.POSITIVE_INFINITY);
      expect(await read('-1 / 0')).toBe(Number.NEGATIVE_INFINITY);
    });

    it('explains a range vector, an address that does not answer, and a path that is not Prometheus', async () => {
      await expect(read('http_requests_total[5s]')).rejects.toThrow('the query returned a range vector; use an instant query');
      const closed = await new Promise<number>((resolve) => {
        const server = createServer().listen(0, '127.0.0.1', () => {
          const { port } = server.address() as AddressInfo;
          server.close(() => resolve(port));
        });
      });
      await expect(read('up', `http://127.0.0.1:${closed}`)).rejects.toThrow(`cannot reach Prometheus at http://127.0.0.1:${closed}/api/v1/query: connect ECONNREFUSED`);
      await expect(read('up', `${prometheus.address}/nothing-here`)).rejects.toThrow(`Prometheus at ${prometheus.address}/nothing-here/api/v1/query answered HTTP 404 with a body that is not JSON`);
    });
  });
});
