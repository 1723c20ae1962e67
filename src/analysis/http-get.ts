import { formatDuration } from '../core/duration.js';
import type { OutboundPolicy } from '../outbound/outbound-policy.js';
import { OutboundRedirect, OutboundRefused, OutboundResponseTooLarge, sendOutbound, type ResolveHost } from '../outbound/outbound-request.js';
import { connectionErrorCause } from '../outbound/connection-error.js';

/**
 * One bounded GET for the HTTP-based metric providers: a deadline of its own, the caller's abort
 * signal, a cap on the body, the outbound (SSRF) policy checked on the addresses connected to, no
 * redirects, and messages that name the URL without its query string (which may carry a key) and
 * never the headers.
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

/** How the HTTP providers reach out: the outbound policy, and name resolution (tests fake it). */
export interface Outbound {
  readonly policy: OutboundPolicy;
  readonly resolve?: ResolveHost;
}

export async function httpGet(url: URL, options: Outbound & { headers: Readonly<Record<string, string>>; timeoutMs: number; signal: AbortSignal; what: string }): Promise<HttpAnswer> {
  options.signal.throwIfAborted();
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal = AbortSignal.any([options.signal, deadline]);
  const shown = describeUrl(url);
  try {
    const answer = await sendOutbound(url, {
      method: 'GET',
      headers: { accept: 'application/json', ...options.headers },
      signal,
      maxResponseBytes: MAX_RESPONSE_BYTES,
      policy: options.policy,
      resolve: options.resolve,
    });
    const contentType = answer.headers['content-type'] ?? '';
    return { status: answer.status, contentType, body: answer.body.toString('utf8') };
  } catch (error) {
    if (options.signal.aborted) throw options.signal.reason;
    if (deadline.aborted) throw new Error(`${options.what} at ${shown} did not answer within ${formatDuration(options.timeoutMs)}`);
    if (error instanceof OutboundRefused) throw new Error(`refusing to call ${options.what} at ${shown}: ${error.reason}`);
    if (error instanceof OutboundRedirect) {
      const to = error.location ? ` to ${describeUrl(error.location)}` : '';
      throw new Error(`${options.what} at ${shown} answered HTTP ${error.status} with a redirect${to}; redirects are not followed`);
    }
    if (error instanceof OutboundResponseTooLarge) throw new Error(`the response from ${shown} is larger than ${MAX_RESPONSE_BYTES / 1024 / 1024} MiB`);
    throw new Error(`cannot reach ${options.what} at ${shown}: ${connectionErrorCause(error)}`);
  }
}
