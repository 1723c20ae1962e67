import type { WebhookChannel } from '../core/notify/channel-config.js';
import type { OutboundPolicy } from '../outbound/outbound-policy.js';
import type { ChannelSender } from './channel-sender.js';
import { postJson } from './json-post.js';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signWebhookBody, webhookBody } from './webhook-signature.js';

/**
 * Generic webhooks: the notification as JSON, signed with the channel's secret and the time of
 * sending (so each attempt carries a fresh timestamp). Receivers dedupe on `X-Gantry-Delivery`
 * (the notification id): a retried attempt repeats it.
 */
export function createWebhookSender(channel: WebhookChannel, outbound: OutboundPolicy, now: () => Date = () => new Date()): ChannelSender {
  return {
    send(message, signal) {
      const body = webhookBody(message);
      const headers: Record<string, string> = { [EVENT_HEADER]: message.type, [DELIVERY_HEADER]: message.id };
      if (channel.secret) headers[SIGNATURE_HEADER] = signWebhookBody(channel.secret, body, Math.floor(now().getTime() / 1000));
      return postJson({ kind: 'webhook', url: channel.url }, body, headers, signal, outbound);
    },
  };
}
