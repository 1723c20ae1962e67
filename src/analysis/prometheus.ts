import { z } from 'zod';
import type { RenderedProvider } from '../engine/analysis/metric-port.js';
import { describeUrl, httpGet, type Outbound } from './http-get.js';

/**
 * The Prometheus metric provider: one instant query (`GET /api/v1/query`). A scalar, or a vector
 * of one sample, is a number; a vector of several samples is an array of numbers (conditions
 * index it: `result[0]`); an empty vector is an error, since "no data" is not "healthy".
 */

export type PrometheusProvider = Extract<RenderedProvider, { kind: 'prometheus' }>;

const sampleValue = z.tuple([z.number(), z.string()]);
const answerSchema = z.union([
  z.object({
    status: z.literal('success'),
    data: z.discriminatedUnion('resultType', [
      z.object({ resultType: z.literal('scalar'), result: sampleValue }),
      z.object({ resultType: z.literal('string'), result: sampleValue }),
      z.object({ resultType: z.literal('vector'), result: z.array(z.object({ metric: z.record(z.string(), z.string()).optional(), value: sampleValue.optional(), histogram: z.unknown().optional() })) }),
      z.object({ resultType: z.literal('matrix'), result: z.array(z.unknown()) }),
    ]),
  }),
  z.object({ status: z.literal('error'), errorType: z.string().optional(), error: z.string().optional() }),
]);

/** Prometheus writes sample values as strings, with +Inf, -Inf and NaN spelled its own way. */
export function parseSampleValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  const value = Number(text);
  if (text.trim() === '' || Number.isNaN(value)) throw new Error(`Prometheus returned the sample value "${text.slice(0, 40)}", which is not a number`);
  return value;
}

export function queryUrl(address: string, query: string): URL {
  const url = new URL(address);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/api/v1/query`;
  url.search = '';
  url.hash = '';
  url.searchParams.set('query', query);
  return url;
}

export async function readPrometheus(provider: PrometheusProvider, signal: AbortSignal, outbound: Outbound): Promise<unknown> {
  const url = queryUrl(provider.address, provider.query);
  const answer = await httpGet(url, { headers: provider.headers, timeoutMs: provider.timeout, signal, ...outbound, what: 'Prometheus' });
  let json: unknown;
  try {
    json = JSON.parse(answer.body);
  } catch {
    throw new Error(`Prometheus at ${describeUrl(url)} answered HTTP ${answer.status} with a body that is not JSON`);
  }
  const parsed = answerSchema.safeParse(json);
  if (!parsed.success) throw new Error(`Prometheus at ${describeUrl(url)} answered HTTP ${answer.status} with JSON that is not a query result`);
  const result = parsed.data;
  if (result.status === 'error') {
    throw new Error(`Prometheus rejected the query (HTTP ${answer.status}): ${result.errorType ?? 'error'}: ${result.error ?? 'no message'}`);
  }
  const data = result.data;
  switch (data.resultType) {
    case 'scalar':
      return parseSampleValue(data.result[1]);
    case 'string':
      return data.result[1];
    case 'matrix':
      throw new Error('the query returned a range vector; use an instant query (wrap a range selector in rate(), avg_over_time() or similar)');
    case 'vector': {
      if (data.result.length === 0) throw new Error('query returned no samples');
      const values = data.result.map((sample) => {
        if (sample.value === undefined) throw new Error('the query returned a native histogram sample; query a float series such as histogram_quantile(…)');
        return parseSampleValue(sample.value[1]);
      });
      return values.length === 1 ? values[0] : values;
    }
  }
}
