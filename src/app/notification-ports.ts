import type { ChannelInput } from '../core/notify/channel-config.js';
import type { RetrySettings } from '../core/notify/delivery-schedule.js';
import type { ChannelSender } from '../notify/channel-sender.js';

/**
 * What notifications need from outside the application layer: the channel senders (adapters in
 * src/notify, wired in main) and the server's settings.
 */
export interface NotificationPorts {
  senderFor(channel: ChannelInput): ChannelSender;
  readonly retry: RetrySettings;
  /** An agent silent this long is offline (GANTRY_AGENT_OFFLINE_MS). */
  readonly agentOfflineMs: number;
  /** How long before a change's window `change.window-soon` is sent. */
  readonly windowLeadMs: number;
  /** This node's name in delivery claims. */
  readonly owner: string;
}
