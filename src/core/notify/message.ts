import type { NotificationEventType, NotificationSeverity } from './events.js';

/**
 * What a channel sends: one event, or a digest of several with the same digest key. Channels
 * render it in their own shape (webhook JSON, Slack and Teams incoming-webhook payloads, email).
 */
export interface NotificationMessage {
  /** The notification's id: webhook receivers dedupe on it (`X-Gantry-Delivery`). */
  readonly id: string;
  readonly type: NotificationEventType;
  readonly subject: string;
  readonly severity: NotificationSeverity;
  readonly title: string;
  readonly lines: readonly string[];
  /** The events it carries: one, or several for a digest. */
  readonly items: readonly NotificationItem[];
  /** Where to look in Gantry's web UI, when the server knows its public address. */
  readonly link: string | null;
  readonly createdAt: string;
  /**
   * Email addresses to send to besides the channel's own (a stakeholder notice's audience
   * contacts); channels that do not send email ignore them.
   */
  readonly recipients?: readonly string[];
}

export interface NotificationItem {
  readonly subject: string;
  readonly title: string;
  readonly at: string;
  readonly data: Readonly<Record<string, unknown>>;
}
