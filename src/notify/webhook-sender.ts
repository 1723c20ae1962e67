import { judgeHttpStatus } from '../core/notify/delivery-schedule.js';
import type { WebhookChannel } from '../core/notify/channel-config.js';
import type { OutboundPolicy } from '../outbound/outbound-policy.js';
import { OutboundRedirect, OutboundRefused, OutboundResponseTooLarge, sendOutbound } from '../outbound/outbound-request.js';
import type { ChannelSender, DeliveryOutcome } from './channel-sender.js';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signWebhookBody, webhookBody } from './webhook-signature.js';

/**
 * Generic webhooks: the notification as JSON, POSTed through the outbound (SSRF) policy, signed
 * with the channel's secret and the time of sending (so each attempt carries a fresh timestamp).
 * Receivers dedupe on `X-Gantry-Delivery` (the notification id): a retried attempt repeats it.
 */
const SEND_DEADLINE_MS = 15_000;
const MAX_RESPONSE_BYTES = 64 * 1024;

export function createWebhookSender(channel: WebhookChannel, outbound: OutboundPolicy, now: () => Date = () => new Date()): ChannelSender {
  const url = new URL(channel.url);
  // Only scheme, host and port are shown: paths and queries often carry tokens.
  const receiver = `webhook at ${url.protocol}//${url.host}`;
  const failed = (error: string, retryable: boolean, statusCode: number | null = null): DeliveryOutcome => ({ delivered: false, statusCode, error, retryable });
  return {
    async send(message, callerSignal) {
      const deadline = AbortSignal.timeout(SEND_DEADLINE_MS);
      const signal = AbortSignal.any([callerSignal, deadline]);
      const body = webhookBody(message);
      const headers: Record<string, string> = {
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(Buffer.byteLength(body)),
        'user-agent': 'Gantry',
        [EVENT_HEADER]: message.type,
        [DELIVERY_HEADER]: message.id,
      };
      if (channel.secret) headers[SIGNATURE_HEADER] = signWebhookBody(channel.secret, body, Math.floor(now().getTime() / 1000));
      try {
        const answer = await sendOutbound(url, { method: 'POST', headers, body, signal, maxResponseBytes: MAX_RESPONSE_BYTES, policy: outbound });
        const verdict = judgeHttpStatus(answer.status);
        if (verdict === 'delivered') return { delivered: true, statusCode: answer.status, error: null, retryable: false };
        return failed(`${receiver} answered HTTP ${answer.status}`, verdict === 'retry', answer.status);
      } catch (error) {
        if (callerSignal.aborted) return failed(`sending to ${receiver} was cancelled`, true);
        if (deadline.aborted) return failed(`${receiver} did not answer within ${SEND_DEADLINE_MS / 1000} s`, true);
        if (error instanceof OutboundRefused) return failed(`refusing to send to ${receiver}: ${error.reason}`, false);
        if (error instanceof OutboundRedirect) return failed(`${receiver} answered HTTP ${error.status} with a redirect; redirects are not followed`, false, error.status);
        if (error instanceof OutboundResponseTooLarge) return failed(`${receiver} answered with more than ${MAX_RESPONSE_BYTES / 1024} KiB`, true);
        const code = (error as NodeJS.ErrnoException).code;
        return failed(`cannot reach ${receiver}${code ? `: ${code}` : ''}`, true);
      }
    },
  };
}
