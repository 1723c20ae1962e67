import { z } from 'zod';
import { RISK_LEVELS, type RiskLevel } from '../change/risk-config.js';
import { durationSchema } from '../duration.js';
import { NOTIFICATION_EVENTS, type NotificationEvent, type NotificationEventType } from './events.js';

/**
 * Who is told what (Octopus-style subscriptions): event types, narrowed by application,
 * environment, minimum risk and labels, sent to one channel — each event on its own, or events
 * that share a digest key gathered for `digest` into one message.
 */
export interface Subscription {
  readonly name: string;
  readonly channel: string;
  readonly events: readonly NotificationEventType[];
  /** Empty: every application. */
  readonly apps: readonly string[];
  /** Empty: every environment. */
  readonly environments: readonly string[];
  readonly minimumRisk: RiskLevel | null;
  /** Every pair must be among the event's labels; empty: no label filter. */
  readonly labels: Readonly<Record<string, string>>;
  /** 0: every event on its own; otherwise events with a digest key are gathered this long. */
  readonly digestSeconds: number;
}

const nameList = z.array(z.string().min(1).max(200)).max(100);

export const subscriptionInputSchema = z.strictObject({
  channel: z.string().min(1).max(100),
  events: z.array(z.enum(NOTIFICATION_EVENTS, { message: `expected one of ${NOTIFICATION_EVENTS.join(', ')}` })).min(1, 'name at least one event').max(NOTIFICATION_EVENTS.length),
  apps: nameList.default([]),
  environments: nameList.default([]),
  minimumRisk: z.enum(RISK_LEVELS).nullable().default(null),
  labels: z.record(z.string().min(1).max(100), z.string().max(200)).default({}),
  /** "60s", "5m" or a number of seconds; 0 or absent: no digest. */
  digest: durationSchema.refine((ms) => ms <= 24 * 3_600_000, { message: 'a digest lasts at most 24h' }).default(0),
});

export type SubscriptionInput = z.input<typeof subscriptionInputSchema>;

export function toSubscription(name: string, input: z.output<typeof subscriptionInputSchema>): Subscription {
  const { digest, ...rest } = input;
  return { name, ...rest, events: [...new Set(rest.events)], digestSeconds: Math.ceil(digest / 1000) };
}

/**
 * Whether the subscription wants the event. An app, environment or risk filter leaves out events
 * that have none (a policy flip has no application; a deployment outside a change has no risk).
 */
export function subscriptionMatches(subscription: Subscription, event: NotificationEvent): boolean {
  if (!subscription.events.includes(event.type)) return false;
  if (subscription.apps.length > 0 && (event.app === null || !subscription.apps.includes(event.app))) return false;
  if (subscription.environments.length > 0 && (event.environment === null || !subscription.environments.includes(event.environment))) return false;
  if (subscription.minimumRisk !== null && (event.risk === null || RISK_LEVELS.indexOf(event.risk) < RISK_LEVELS.indexOf(subscription.minimumRisk))) return false;
  return Object.entries(subscription.labels).every(([key, value]) => event.labels[key] === value);
}
