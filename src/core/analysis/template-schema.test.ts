import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { evaluateCondition } from './condition.js';
import { readJsonPath } from './json-path.js';
import { analysisTemplatesSchema, metricLimits } from './template-schema.js';

/** As the manifest will hold it: a top-level `analysis` key. */
const manifestPart = z.object({ analysis: analysisTemplatesSchema });

function issues(analysis: unknown): Array<{ path: string; message: string }> {
  const result = manifestPart.safeParse({ analysis });
  if (result.success) return [];
  return result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

const prometheus = { prometheus: { address: 'http://127.0.0.1:9090', query: 'sum(rate(http_requests_total{status=~"5..",release="{{release}}"}[30s]))' } };
const metric = (overrides: Record<string, unknown> = {}) => ({ name: 'errors', provider: prometheus, ...overrides });
const oneMetric = (overrides: Record<string, unknown> = {}) => ({ 'error-rate': { metrics: [metric(overrides)] } });

describe('analysisTemplatesSchema', () => {
  it('reads templates with defaults, parsed conditions and jsonPaths', () => {
    const parsed = analysisTemplatesSchema.parse({
      'error-rate': {
        args: ['service'],
        metrics: [
          {
            name: 'errors',
            provider: { prometheus: { ...prometheus.prometheus, query: 'x{svc="{{args.service}}"}', timeout: '2s' } },
            successCondition: 'result < 0.05',
            failureCondition: 'result >= 0.05',
            interval: '1s',
            count: 5,
            failureLimit: -1,
          },
          { name: 'stats', provider: { http: { url: 'http://127.0.0.1:8080/stats?release={{release}}', jsonPath: '$.errors.rate', headers: { Authorization: 'Bearer x' } } } },
          { name: 'script', provider: { command: { run: './check.sh' } }, initialDelay: '30s' },
        ],
      },
    });
    const [errors, stats, script] = parsed['error-rate']!.metrics;
    expect(parsed['error-rate']!.args).toEqual(['service']);
    expect(errors).toMatchObject({
      name: 'errors',
      provider: { kind: 'prometheus', address: 'http://127.0.0.1:9090', query: 'x{svc="{{args.service}}"}', headers: {}, timeout: 2000 },
      interval: 1000,
      initialDelay: 0,
      count: 5,
      failureLimit: -1,
      inconclusiveLimit: 0,
      consecutiveErrorLimit: 4,
    });
    expect(evaluateCondition(errors!.successCondition!, 0.01)).toBe(true);
    expect(errors!.failureCondition!.source).toBe('result >= 0.05');
    expect(stats!.provider).toMatchObject({ kind: 'http', headers: { Authorization: 'Bearer x' }, timeout: 5000 });
    expect(stats!.provider.kind === 'http' && readJsonPath(stats!.provider.jsonPath, { errors: { rate: 3 } })).toBe(3);
    expect(stats!.interval).toBe(10_000);
    expect(stats!.count).toBeUndefined();
    expect(script!.provider).toEqual({ kind: 'command', run: './check.sh', timeout: 30_000 });
    expect(script!.initialDelay).toBe(30_000);
    expect(metricLimits(errors!)).toEqual({ count: 5, failureLimit: -1, inconclusiveLimit: 0, consecutiveErrorLimit: 4 });
    expect(metricLimits(stats!)).toEqual({ count: null, failureLimit: 0, inconclusiveLimit: 0, consecutiveErrorLimit: 4 });
  });

  it.each([
    ['a condition that does not parse', oneMetric({ successCondition: 'result <' }), 'analysis.error-rate.metrics.0.successCondition', 'expected a value'],
    ['a failureCondition with a string', oneMetric({ failureCondition: 'result == "x"' }), 'analysis.error-rate.metrics.0.failureCondition', 'strings are not allowed'],
    ['no provider', oneMetric({ provider: {} }), 'analysis.error-rate.metrics.0.provider', 'needs one of prometheus, http or command'],
    ['two providers', oneMetric({ provider: { ...prometheus, command: { run: 'true' } } }), 'analysis.error-rate.metrics.0.provider', 'has prometheus and command: a metric has exactly one'],
    ['an unknown provider', oneMetric({ provider: { datadog: {} } }), 'analysis.error-rate.metrics.0.provider', 'Unrecognized key'],
    ['an unknown placeholder', oneMetric({ provider: { prometheus: { ...prometheus.prometheus, query: 'x{r="{{version}}"}' } } }), 'analysis.error-rate.metrics.0.provider.prometheus.query', 'unknown placeholder {{version}}'],
    ['an undeclared argument', oneMetric({ provider: { prometheus: { ...prometheus.prometheus, query: 'x{s="{{args.service}}"}' } } }), 'analysis.error-rate.metrics.0.provider.prometheus.query', `uses {{args.service}}, but "service" is not declared in the template's args`],
    ['an undeclared argument in a header', oneMetric({ provider: { http: { url: 'http://127.0.0.1/', jsonPath: '$', headers: { 'X-Token': '{{args.token}}' } } } }), 'analysis.error-rate.metrics.0.provider.http.headers.X-Token', 'uses {{args.token}}'],
    ['a placeholder in a command', oneMetric({ provider: { command: { run: './check.sh {{release}}' } } }), 'analysis.error-rate.metrics.0.provider.command.run', 'read $GANTRY_APP, $GANTRY_RELEASE'],
    ['a bad jsonPath', oneMetric({ provider: { http: { url: 'http://127.0.0.1/', jsonPath: '$.items[*].x' } } }), 'analysis.error-rate.metrics.0.provider.http.jsonPath', 'wildcards, slices and filters are not supported'],
    ['a relative url', oneMetric({ provider: { http: { url: '/stats', jsonPath: '$' } } }), 'analysis.error-rate.metrics.0.provider.http.url', 'url must be an absolute http:// or https:// URL'],
    ['a file url', oneMetric({ provider: { http: { url: 'file:///etc/passwd', jsonPath: '$' } } }), 'analysis.error-rate.metrics.0.provider.http.url', 'url must use http:// or https://, not file:'],
    ['credentials in an address', oneMetric({ provider: { prometheus: { ...prometheus.prometheus, address: 'http://admin:secret@127.0.0.1:9090' } } }), 'analysis.error-rate.metrics.0.provider.prometheus.address', 'must not contain credentials'],
    ['a line break in a header', oneMetric({ provider: { http: { url: 'http://127.0.0.1/', jsonPath: '$', headers: { 'X-A': 'a\r\nX-B: b' } } } }), 'analysis.error-rate.metrics.0.provider.http.headers.X-A', 'cannot contain line breaks'],
    ['an interval too short', oneMetric({ interval: '10ms' }), 'analysis.error-rate.metrics.0.interval', 'must be between 100ms and 24h'],
    ['a timeout that is not a duration', oneMetric({ provider: { prometheus: { ...prometheus.prometheus, timeout: 'soon' } } }), 'analysis.error-rate.metrics.0.provider.prometheus.timeout', 'expected a duration'],
    ['a count of zero', oneMetric({ count: 0 }), 'analysis.error-rate.metrics.0.count', '>=1'],
    ['a failureLimit below −1', oneMetric({ failureLimit: -2 }), 'analysis.error-rate.metrics.0.failureLimit', '>=-1'],
    ['a negative consecutiveErrorLimit', oneMetric({ consecutiveErrorLimit: -1 }), 'analysis.error-rate.metrics.0.consecutiveErrorLimit', '>=0'],
    ['an unknown field', oneMetric({ intervall: '5s' }), 'analysis.error-rate.metrics.0', 'Unrecognized key'],
    ['a bad metric name', oneMetric({ name: '../x' }), 'analysis.error-rate.metrics.0.name', 'must be 1-100 characters'],
    ['no metrics', { 'error-rate': { metrics: [] } }, 'analysis.error-rate.metrics', '>=1'],
    ['a duplicate metric', { 'error-rate': { metrics: [metric(), metric()] } }, 'analysis.error-rate.metrics.1.name', 'metric "errors" is declared twice'],
    ['arguments differing in case', { 'error-rate': { args: ['svc', 'SVC'], metrics: [metric()] } }, 'analysis.error-rate.args.1', 'argument "SVC" is declared twice (names that differ only in case are the same GANTRY_ARG_SVC)'],
    ['a bad argument name', { 'error-rate': { args: ['a-b'], metrics: [metric()] } }, 'analysis.error-rate.args.0', 'argument names are letters, digits and "_"'],
  ])('refuses %s, at its path', (_label, analysis, path, message) => {
    const found = issues(analysis);
    expect(found).toContainEqual({ path, message: expect.stringContaining(message) as unknown as string });
  });

  it('refuses a bad template name', () => {
    expect(issues({ '../x': { metrics: [metric()] } })[0]?.path).toBe('analysis.../x');
  });
});
