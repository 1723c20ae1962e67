import { formatDuration } from '../core/duration.js';

/**
 * One bounded GET for the HTTP-based metric providers: a deadline of its own, the caller's abort
 * signal, a cap on the body, and messages that name the URL without its query string (which may
 * carry a key) and never the headers.
 */

export const MAX_RESPONSE_BYTES = 1024 * 1024;

export interface HttpAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** `http://host:port/path`, without query, fragment or credentials: safe to show. */
export function describeUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

export async function httpGet(url: URL, options: { headers: Readonly<Record<string, string>>; timeoutMs: number; signal: AbortSignal; what: string }): Promise<HttpAnswer> {
  options.signal.throwIfAborted();
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal = AbortSignal.any([options.signal, deadline]);
  const shown = describeUrl(url);
  try {
    const response = await fetch(url, { method: 'GET', headers: { accept: 'application/json', ...options.headers }, signal, redirect: 'error' });
    const body = await readCapped(response, shown);
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', body };
  } catch (error) {
    if (options.signal.aborted) throw options.signal.reason;
    if (deadline.aborted) throw new Error(`${options.what} at ${shown} did not answer within ${formatDuration(options.timeoutMs)}`);
    if (error instanceof ResponseTooLarge) throw error;
    throw new Error(`cannot reach ${options.what} at ${shown}: ${causeOf(error)}`);
  }
}

class ResponseTooLarge extends Error {}

/** fetch's own message is "fetch failed"; the useful part (ECONNREFUSED …) is its cause. */
function causeOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause: unknown = error.cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code !== undefined && !cause.message.includes(code) ? `${code} ${cause.message}` : cause.message;
  }
  return error.message;
}

async function readCapped(response: Response, shown: string): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_RESPONSE_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw new ResponseTooLarge(`the response from ${shown} is larger than ${MAX_RESPONSE_BYTES / 1024 / 1024} MiB`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
