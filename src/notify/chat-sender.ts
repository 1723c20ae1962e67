import type { ChatChannel } from '../core/notify/channel-config.js';
import { renderSlackPayload, renderTeamsPayload } from '../core/notify/render-chat.js';
import type { OutboundPolicy } from '../outbound/outbound-policy.js';
import { OutboundRedirect, OutboundRefused, OutboundResponseTooLarge, sendOutbound } from '../outbound/outbound-request.js';
import type { ChannelSender, DeliveryOutcome } from './channel-sender.js';

/**
 * Slack and Microsoft Teams incoming webhooks: one JSON POST through the outbound policy, with a
 * deadline and a cap on the answer. The webhook URL is the credential (whoever has it can post),
 * so messages name only its scheme and host.
 */

const SEND_DEADLINE_MS = 15_000;
/** Slack answers "ok", Teams "1" or a short error: anything big is not a chat service. */
const MAX_RESPONSE_BYTES = 64 * 1024;
const SERVICE_NAMES = { slack: 'Slack', teams: 'Teams' } as const;

export function createChatSender(channel: ChatChannel, outbound: OutboundPolicy): ChannelSender {
  const url = new URL(channel.url);
  const service = `${SERVICE_NAMES[channel.type]} webhook at ${url.protocol}//${url.host}`;
  const render = channel.type === 'slack' ? renderSlackPayload : renderTeamsPayload;

  /** Whatever a service or the network says is shown without the URL's path and query. */
  const withoutUrl = (text: string): string => {
    let clean = text.replace(/[\r\n\t]+/g, ' ').trim();
    for (const secret of [channel.url, url.href, `${url.pathname}${url.search}`].filter((part) => part.length > 1)) clean = clean.split(secret).join('…');
    return clean.length > 200 ? `${clean.slice(0, 199)}…` : clean;
  };
  const failed = (error: string, retryable: boolean, statusCode: number | null = null): DeliveryOutcome => ({ delivered: false, statusCode, error, retryable });

  return {
    async send(message, callerSignal) {
      const deadline = AbortSignal.timeout(SEND_DEADLINE_MS);
      const signal = AbortSignal.any([callerSignal, deadline]);
      const body = JSON.stringify(render(message));
      try {
        const answer = await sendOutbound(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'Gantry' },
          body,
          signal,
          maxResponseBytes: MAX_RESPONSE_BYTES,
          policy: outbound,
        });
        const status = answer.status;
        if (status >= 200 && status < 300) return { delivered: true, statusCode: status, error: null, retryable: false };
        const said = withoutUrl(answer.body.toString('utf8'));
        // 408 and 429 are "not now"; 5xx the service's own trouble; any other 4xx will not change by waiting.
        const retryable = status === 408 || status === 429 || status >= 500;
        return failed(`${service} answered HTTP ${status}${said === '' ? '' : `: ${said}`}`, retryable, status);
      } catch (error) {
        if (callerSignal.aborted) return failed(`sending to ${service} was cancelled`, true);
        if (deadline.aborted) return failed(`${service} did not answer within ${SEND_DEADLINE_MS / 1000} s`, true);
        if (error instanceof OutboundRefused) return failed(`refusing to send to ${service}: ${error.reason}`, false);
        if (error instanceof OutboundRedirect) return failed(`${service} answered HTTP ${error.status} with a redirect; redirects are not followed`, false, error.status);
        if (error instanceof OutboundResponseTooLarge) return failed(`${service} answered with more than ${MAX_RESPONSE_BYTES / 1024} KiB; is it an incoming webhook?`, false);
        return failed(`cannot reach ${service}: ${withoutUrl(causeOf(error))}`, true);
      }
    },
  };
}

/** The useful part of a connection error ("connect ECONNREFUSED 127.0.0.1:9"), with its code. */
function causeOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // Trying several addresses in turn (IPv6 and IPv4) fails with all of their errors.
  const last: unknown = error instanceof AggregateError && error.errors.length > 0 ? error.errors.at(-1) : error;
  const cause: unknown = last instanceof Error && last.cause instanceof Error ? last.cause : last;
  if (!(cause instanceof Error)) return String(cause);
  const code = (cause as NodeJS.ErrnoException).code;
  return code !== undefined && !cause.message.includes(code) ? `${code} ${cause.message}` : cause.message;
}
