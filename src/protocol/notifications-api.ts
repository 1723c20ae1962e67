import { z } from 'zod';
import { NOTIFICATION_EVENTS } from '../core/notify/events.js';

/** Notification channels, subscriptions and the delivery log on the wire (issue 10). */

export const channelNameParamsSchema = z.object({ name: z.string().min(1).max(100) });
export const subscriptionNameParamsSchema = z.object({ name: z.string().min(1).max(100) });
export const notificationIdParamsSchema = z.object({ id: z.string().min(1).max(100) });

/** `PUT /notifications/channels/:name`: the definition (core/notify/channel-config.ts), checked by the server. */
export const channelBodySchema = z.record(z.string(), z.unknown());

export const channelSchema = z.object({
  name: z.string(),
  type: z.enum(['webhook', 'slack', 'teams', 'email']),
  /** The definition without credentials. */
  config: z.record(z.string(), z.unknown()),
  /** Which credentials are set (`secret`, `url`, `password`); their values are never answered. */
  credentialsSet: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ChannelDto = z.infer<typeof channelSchema>;
export const channelListSchema = z.object({ channels: z.array(channelSchema) });

export const channelTestResultSchema = z.object({ delivered: z.boolean(), statusCode: z.number().nullable(), error: z.string().nullable() });
export type ChannelTestResultDto = z.infer<typeof channelTestResultSchema>;

/** `PUT /notifications/subscriptions/:name`: `{ channel, events, apps?, environments?, minimumRisk?, labels?, digest? }`. */
export const subscriptionBodySchema = z.record(z.string(), z.unknown());

export const subscriptionSchema = z.object({
  name: z.string(),
  channel: z.string(),
  events: z.array(z.enum(NOTIFICATION_EVENTS)),
  apps: z.array(z.string()),
  environments: z.array(z.string()),
  minimumRisk: z.enum(['low', 'moderate', 'high', 'very_high']).nullable(),
  labels: z.record(z.string(), z.string()),
  digestSeconds: z.number(),
  createdAt: z.string(),
});
export type SubscriptionDto = z.infer<typeof subscriptionSchema>;
export const subscriptionListSchema = z.object({ subscriptions: z.array(subscriptionSchema) });

const NOTIFICATION_STATE = z.enum(['collecting', 'pending', 'delivered', 'failed']);

export const notificationListQuerySchema = z.object({
  state: NOTIFICATION_STATE.optional(),
  channel: z.string().min(1).max(100).optional(),
  subscription: z.string().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});
export type NotificationListQuery = z.infer<typeof notificationListQuerySchema>;

export const notificationSchema = z.object({
  id: z.string(),
  /** Null: queued straight to the channel (a stakeholder notice). */
  subscription: z.string().nullable(),
  channel: z.string(),
  type: z.enum(NOTIFICATION_EVENTS),
  subject: z.string(),
  severity: z.enum(['info', 'success', 'warning', 'failure']),
  title: z.string(),
  state: NOTIFICATION_STATE,
  digestKey: z.string().nullable(),
  items: z.array(z.object({ subject: z.string(), title: z.string(), at: z.string(), data: z.record(z.string(), z.unknown()) })),
  attempts: z.number(),
  nextAttemptAt: z.string().nullable(),
  lastStatusCode: z.number().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
});
export type NotificationDto = z.infer<typeof notificationSchema>;
export const notificationListSchema = z.object({ notifications: z.array(notificationSchema) });

export const deliveryAttemptSchema = z.object({ seq: z.number(), at: z.string(), delivered: z.boolean(), statusCode: z.number().nullable(), error: z.string().nullable(), durationMs: z.number() });
export const notificationDetailSchema = z.object({ notification: notificationSchema, attempts: z.array(deliveryAttemptSchema) });
export type NotificationDetailDto = z.infer<typeof notificationDetailSchema>;
