import type { ChannelInput } from '../core/notify/channel-config.js';
import type { OutboundPolicy } from '../outbound/outbound-policy.js';
import type { ChannelSender } from './channel-sender.js';
import { createChatSender } from './chat-sender.js';
import { createEmailSender } from './email-sender.js';
import { createWebhookSender } from './webhook-sender.js';

/** The sender of each channel type, all through the server's outbound policy. */
export function createChannelSenders(outbound: OutboundPolicy, now: () => Date): { senderFor(channel: ChannelInput): ChannelSender } {
  return {
    senderFor(channel) {
      switch (channel.type) {
        case 'webhook':
          return createWebhookSender(channel, outbound, now);
        case 'slack':
        case 'teams':
          return createChatSender(channel, outbound);
        case 'email':
          return createEmailSender(channel, outbound);
      }
    },
  };
}
