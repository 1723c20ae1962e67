/**
 * Sends due notifications: claims each (compare-and-set, with an expiry so a node that dies
 * mid-send lets another take it over), sends it through its channel with no transaction open,
 * then logs the attempt and decides what follows — delivered, failed for good, or another try
 * after a doubling delay.
 */
import type { Logger } from 'pino';
import { digestHeadline } from '../core/notify/digest.js';
import { afterAttempt } from '../core/notify/delivery-schedule.js';
import type { NotificationMessage } from '../core/notify/message.js';
import { GantryError } from '../core/errors.js';
import * as store from '../store/notifications.repository.js';
import type { AppDeps } from './app-deps.js';
import { loadChannelForSending, notificationPorts } from './notification-channels.js';

/** Notifications sent per round, one after another. */
const BATCH = 50;
/** How long a claim holds: longer than any one send (senders give up after 15 s). */
const CLAIM_MS = 60_000;

export function messageOf(notification: store.StoredNotification): NotificationMessage {
  const { title, lines } = digestHeadline({ title: notification.title, lines: notification.lines, type: notification.type, digestKey: notification.digestKey }, notification.items);
  return {
    id: notification.id,
    type: notification.type,
    subject: notification.items.length > 1 ? `${notification.items.length} subjects` : notification.subject,
    severity: notification.severity,
    title,
    lines,
    items: notification.items,
    link: null,
    createdAt: notification.createdAt,
    ...(notification.recipients.length > 0 ? { recipients: notification.recipients } : {}),
  };
}

export interface DeliverySummary {
  readonly delivered: number;
  readonly failed: number;
  readonly retrying: number;
}

/**
 * `stop` ends the round between two sends; a send in flight is let finish (each has its own
 * deadline), so a stopping server does not cut a delivery whose receiver may already have it.
 */
export async function deliverDueNotifications(deps: AppDeps, log?: Logger, stop: AbortSignal = new AbortController().signal): Promise<DeliverySummary> {
  const ports = notificationPorts(deps);
  const counts = { delivered: 0, failed: 0, retrying: 0 };
  const due = await store.listDueNotifications(deps.db, deps.clock.now().toISOString(), BATCH);
  for (const id of due) {
    if (stop.aborted) break;
    const now = deps.clock.now();
    const notification = await store.claimNotification(deps.db, id, ports.owner, now.toISOString(), new Date(now.getTime() + CLAIM_MS).toISOString());
    if (!notification) continue;
    const started = Date.now();
    let outcome: { delivered: boolean; statusCode: number | null; error: string | null; retryable: boolean };
    try {
      const channel = await loadChannelForSending(deps, notification.channel);
      outcome = channel
        ? await ports.senderFor(channel).send(messageOf(notification), new AbortController().signal)
        : { delivered: false, statusCode: null, error: `channel ${notification.channel} no longer exists`, retryable: false };
    } catch (error) {
      outcome = { delivered: false, statusCode: null, error: error instanceof GantryError ? error.message : 'the channel could not be prepared for sending', retryable: false };
    }
    const finished = deps.clock.now();
    const next = afterAttempt(outcome, notification.attempts + 1, finished, ports.retry);
    await store.recordAttempt(
      deps.db,
      id,
      ports.owner,
      { at: finished.toISOString(), delivered: outcome.delivered, statusCode: outcome.statusCode, error: outcome.error, durationMs: Date.now() - started },
      { state: next.state, nextAttemptAt: next.state === 'pending' ? next.nextAttemptAt : null },
    );
    if (next.state === 'delivered') counts.delivered += 1;
    else if (next.state === 'failed') {
      counts.failed += 1;
      log?.warn({ notification: id, channel: notification.channel, statusCode: outcome.statusCode, error: outcome.error }, 'notification could not be delivered; giving up');
    } else counts.retrying += 1;
  }
  return counts;
}
