import type { ChatChannel } from '../core/notify/channel-config.js';
import { renderSlackPayload, renderTeamsPayload } from '../core/notify/render-chat.js';
import type { OutboundPolicy } from '../outbound/outbound-policy.js';
import type { ChannelSender } from './channel-sender.js';
import { postJson } from './json-post.js';

/**
 * Slack and Microsoft Teams incoming webhooks: the message in the service's payload shape, one
 * JSON POST. The webhook URL is the credential (whoever has it can post): outcomes never show it.
 */
const SERVICE_NAMES = { slack: 'Slack webhook', teams: 'Teams webhook' } as const;

export function createChatSender(channel: ChatChannel, outbound: OutboundPolicy): ChannelSender {
  const render = channel.type === 'slack' ? renderSlackPayload : renderTeamsPayload;
  return {
    send: (message, signal) => postJson({ kind: SERVICE_NAMES[channel.type], url: channel.url }, JSON.stringify(render(message)), {}, signal, outbound),
  };
}
