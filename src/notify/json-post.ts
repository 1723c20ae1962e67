import { judgeHttpStatus } from '../core/notify/delivery-schedule.js';
import { connectionErrorCause } from '../outbound/connection-error.js';
import type { OutboundPolicy } from '../outbound/outbound-policy.js';
import { OutboundRedirect, OutboundRefused, OutboundResponseTooLarge, sendOutbound } from '../outbound/outbound-request.js';
import type { DeliveryOutcome } from './channel-sender.js';

/**
 * One JSON POST of a notification (webhooks, Slack, Teams) through the outbound (SSRF) policy,
 * with a deadline and a cap on the answer, judged as a delivery outcome. The URL may be the
 * credential (incoming webhooks) or carry one: outcomes name only its scheme and host, and what a
 * receiver says back is shown with the URL's path and query cut out.
 */
const SEND_DEADLINE_MS = 15_000;
/** Receivers answer "ok", "1" or a short error: anything bigger is not one. */
const MAX_RESPONSE_BYTES = 64 * 1024;

export async function postJson(
  receiver: { readonly kind: string; readonly url: string },
  body: string,
  headers: Readonly<Record<string, string>>,
  callerSignal: AbortSignal,
  outbound: OutboundPolicy,
): Promise<DeliveryOutcome> {
  const url = new URL(receiver.url);
  const name = `${receiver.kind} at ${url.protocol}//${url.host}`;
  const withoutUrl = (text: string): string => {
    let clean = text.replace(/[\r\n\t]+/g, ' ').trim();
    for (const secret of [receiver.url, url.href, `${url.pathname}${url.search}`].filter((part) => part.length > 1)) clean = clean.split(secret).join('…');
    return clean.length > 200 ? `${clean.slice(0, 199)}…` : clean;
  };
  const failed = (error: string, retryable: boolean, statusCode: number | null = null): DeliveryOutcome => ({ delivered: false, statusCode, error, retryable });
  const deadline = AbortSignal.timeout(SEND_DEADLINE_MS);
  try {
    const answer = await sendOutbound(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'Gantry', ...headers },
      body,
      signal: AbortSignal.any([callerSignal, deadline]),
      maxResponseBytes: MAX_RESPONSE_BYTES,
      policy: outbound,
    });
    const verdict = judgeHttpStatus(answer.status);
    if (verdict === 'delivered') return { delivered: true, statusCode: answer.status, error: null, retryable: false };
    const said = withoutUrl(answer.body.toString('utf8'));
    return failed(`${name} answered HTTP ${answer.status}${said === '' ? '' : `: ${said}`}`, verdict === 'retry', answer.status);
  } catch (error) {
    if (callerSignal.aborted) return failed(`sending to ${name} was cancelled`, true);
    if (deadline.aborted) return failed(`${name} did not answer within ${SEND_DEADLINE_MS / 1000} s`, true);
    if (error instanceof OutboundRefused) return failed(`refusing to send to ${name}: ${error.reason}`, false);
    if (error instanceof OutboundRedirect) return failed(`${name} answered HTTP ${error.status} with a redirect; redirects are not followed`, false, error.status);
    if (error instanceof OutboundResponseTooLarge) return failed(`${name} answered with more than ${MAX_RESPONSE_BYTES / 1024} KiB; is it the right address?`, false);
    return failed(`cannot reach ${name}: ${withoutUrl(connectionErrorCause(error))}`, true);
  }
}
