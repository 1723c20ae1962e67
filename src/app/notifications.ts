/**
 * Notifications (issue 10), Octopus/Argo CD style: subscriptions pick events (filtered by app,
 * environment, risk and labels) and send them to a channel; a once-per key keeps each event from
 * being sent twice to a subscription whatever retries, restarts or several nodes do; events that
 * share a digest key within a subscription's digest period go out as one message. The scanner
 * (notification-scan.ts) makes them from recorded state; delivery (notification-delivery.ts)
 * sends them with retries and logs every attempt.
 */
import { z } from 'zod';
import { itemOf } from '../core/notify/digest.js';
import type { NotificationEvent } from '../core/notify/events.js';
import { subscriptionInputSchema, toSubscription } from '../core/notify/subscription.js';
import { GantryError } from '../core/errors.js';
import { nameSchema } from '../core/names.js';
import * as store from '../store/notifications.repository.js';
import type { Database } from '../store/schema.js';
import type { AppDeps } from './app-deps.js';
import { channelMissing } from './notification-channels.js';
import { parseInput } from './parse-input.js';
import type { Kysely, Transaction } from 'kysely';

export type { StoredNotification, StoredSubscription, NotificationState, AttemptRecord } from '../store/notifications.repository.js';

export async function saveSubscription(deps: AppDeps, name: string, input: unknown): Promise<{ readonly subscription: store.StoredSubscription; readonly outcome: 'created' | 'updated' }> {
  parseInput(nameSchema, name, 'name');
  const subscription = toSubscription(name, parseInput(subscriptionInputSchema, input, '', 'subscription'));
  if (!(await store.getChannel(deps.db, subscription.channel))) throw channelMissing(subscription.channel);
  const outcome = await store.saveSubscription(deps.db, subscription, deps.clock.now().toISOString());
  return { subscription: (await store.getSubscription(deps.db, name))!, outcome };
}

export async function listSubscriptions(deps: AppDeps): Promise<store.StoredSubscription[]> {
  return store.listSubscriptions(deps.db);
}

export async function showSubscription(deps: AppDeps, name: string): Promise<store.StoredSubscription> {
  const subscription = await store.getSubscription(deps.db, name);
  if (!subscription) throw subscriptionMissing(name);
  return subscription;
}

export async function deleteSubscription(deps: AppDeps, name: string): Promise<void> {
  if (!(await store.deleteSubscription(deps.db, name))) throw subscriptionMissing(name);
}

function subscriptionMissing(name: string): GantryError {
  return new GantryError('NOTIFICATION_SUBSCRIPTION_NOT_FOUND', `notification subscription ${name} does not exist`, { where: 'subscription' });
}

export const notificationFilterSchema = z.strictObject({
  state: z.enum(['collecting', 'pending', 'delivered', 'failed']).optional(),
  channel: z.string().min(1).max(100).optional(),
  subscription: z.string().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** Recent notifications, newest first. */
export async function listNotifications(deps: AppDeps, filter: unknown): Promise<store.StoredNotification[]> {
  return store.listNotifications(deps.db, parseInput(notificationFilterSchema, filter ?? {}, '', 'filter'));
}

/** A notification with its delivery log (every attempt: when, status code, error, how long). */
export async function showNotification(deps: AppDeps, id: string): Promise<{ readonly notification: store.StoredNotification; readonly attempts: (store.AttemptRecord & { seq: number })[] }> {
  const notification = await store.getNotification(deps.db, id);
  if (!notification) throw notificationMissing(id);
  return { notification, attempts: await store.listAttempts(deps.db, id) };
}

/** A new round of attempts for a delivered or failed notification (the log keeps the earlier ones). */
export async function redeliverNotification(deps: AppDeps, id: string): Promise<store.StoredNotification> {
  const notification = await store.getNotification(deps.db, id);
  if (!notification) throw notificationMissing(id);
  if (!(await store.restartDelivery(deps.db, id, deps.clock.now().toISOString()))) {
    throw new GantryError('NOTIFICATION_IN_DELIVERY', `notification ${id} is ${notification.state}: only a delivered or failed notification can be redelivered`, { where: 'id', state: notification.state });
  }
  return (await store.getNotification(deps.db, id))!;
}

function notificationMissing(id: string): GantryError {
  return new GantryError('NOTIFICATION_NOT_FOUND', `notification ${id} does not exist`, { where: 'id' });
}

type Db = Kysely<Database> | Transaction<Database>;

/**
 * Queues one event for one subscription, unless its once key was queued for that subscription
 * before. An event with a digest key joins the subscription's open digest for that key, or opens
 * one that closes after `digestSeconds`. Returns whether the event was queued (false: already
 * notified).
 */
export async function queueEvent(
  deps: Pick<AppDeps, 'clock' | 'ids'>,
  db: Db,
  recipient: { readonly subscription: string; readonly channel: string; readonly digestSeconds: number },
  event: NotificationEvent,
): Promise<boolean> {
  const now = deps.clock.now();
  const at = now.toISOString();
  if (!(await store.claimOnceKey(db, recipient.subscription, event.onceKey, at))) return false;
  const item = itemOf(event);
  const digesting = event.digestKey !== null && recipient.digestSeconds > 0;
  if (digesting && (await store.joinCollectingDigest(db, recipient.subscription, event.digestKey!, item, at))) return true;
  await store.insertNotification(db, {
    id: deps.ids.next('N'),
    subscription: recipient.subscription,
    channel: recipient.channel,
    type: event.type,
    subject: event.subject,
    severity: event.severity,
    title: event.title,
    lines: event.lines,
    recipients: event.recipients ?? [],
    digestKey: digesting ? event.digestKey : null,
    item,
    state: digesting ? 'collecting' : 'pending',
    dueAt: digesting ? new Date(now.getTime() + recipient.digestSeconds * 1000).toISOString() : at,
    at,
  });
  return true;
}
