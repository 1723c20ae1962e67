import type { NotificationMessage } from '../core/notify/message.js';

/** How one attempt to deliver a notification went; kept in the delivery log. */
export interface DeliveryOutcome {
  readonly delivered: boolean;
  /** The HTTP status (webhook, Slack, Teams) or SMTP reply code (email); null when none came back. */
  readonly statusCode: number | null;
  /** Why it failed, in words (never a secret, never a URL's credential part); null when delivered. */
  readonly error: string | null;
  /** Whether trying again later may help (network error, 5xx, 429, SMTP 4xx); false: give up now. */
  readonly retryable: boolean;
}

/** Sends notifications over one channel. It never throws for a failed delivery: it answers the outcome. */
export interface ChannelSender {
  send(message: NotificationMessage, signal: AbortSignal): Promise<DeliveryOutcome>;
}
