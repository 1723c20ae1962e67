import { readJsonPath } from '../core/analysis/json-path.js';
import type { RenderedProvider } from '../engine/analysis/metric-port.js';
import { describeUrl, httpGet, type Outbound } from './http-get.js';

/**
 * The http metric provider: GET a JSON document and read one value from it by jsonPath
 * (`$.errors.rate`). Anything but a 2xx answer with a JSON body, or a path that does not fit the
 * document, is an error measurement.
 */

export type HttpProvider = Extract<RenderedProvider, { kind: 'http' }>;

export async function readHttpMetric(provider: HttpProvider, signal: AbortSignal, outbound: Outbound): Promise<unknown> {
  let url: URL;
  try {
    url = new URL(provider.url);
  } catch {
    throw new Error('the url, with its placeholders substituted, is not a valid URL');
  }
  const shown = describeUrl(url);
  const answer = await httpGet(url, { headers: provider.headers, timeoutMs: provider.timeout, signal, ...outbound, what: 'the metric endpoint' });
  if (answer.status < 200 || answer.status > 299) throw new Error(`${shown} answered HTTP ${answer.status}, not 2xx`);
  let json: unknown;
  try {
    json = JSON.parse(answer.body);
  } catch {
    const type = answer.contentType === '' ? 'no content type' : answer.contentType.split(';')[0];
    throw new Error(`${shown} answered HTTP ${answer.status} with a body that is not JSON (${type})`);
  }
  return readJsonPath(provider.jsonPath, json);
}
