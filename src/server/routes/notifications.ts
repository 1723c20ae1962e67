import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { deleteChannel, listChannels, saveChannel, showChannel, testChannel, type ChannelView } from '../../app/notification-channels.js';
import {
  deleteSubscription,
  listNotifications,
  listSubscriptions,
  redeliverNotification,
  saveSubscription,
  showNotification,
  showSubscription,
  type StoredNotification,
  type StoredSubscription,
} from '../../app/notifications.js';
import {
  channelBodySchema,
  channelListSchema,
  channelNameParamsSchema,
  channelSchema,
  channelTestResultSchema,
  notificationDetailSchema,
  notificationIdParamsSchema,
  notificationListQuerySchema,
  notificationListSchema,
  notificationSchema,
  subscriptionBodySchema,
  subscriptionListSchema,
  subscriptionNameParamsSchema,
  subscriptionSchema,
  type ChannelDto,
  type NotificationDto,
  type SubscriptionDto,
} from '../../protocol/notifications-api.js';
import { needs } from '../access.js';
import type { ServerContext } from '../server-context.js';

const toChannelDto = (channel: ChannelView): ChannelDto => ({ ...channel, config: { ...channel.config }, credentialsSet: [...channel.credentialsSet] });

const toSubscriptionDto = (subscription: StoredSubscription): SubscriptionDto => ({
  name: subscription.name,
  channel: subscription.channel,
  events: [...subscription.events],
  apps: [...subscription.apps],
  environments: [...subscription.environments],
  minimumRisk: subscription.minimumRisk,
  labels: { ...subscription.labels },
  digestSeconds: subscription.digestSeconds,
  createdAt: subscription.createdAt,
});

const toNotificationDto = (notification: StoredNotification): NotificationDto => ({
  id: notification.id,
  subscription: notification.subscription,
  channel: notification.channel,
  type: notification.type,
  subject: notification.subject,
  severity: notification.severity,
  title: notification.title,
  state: notification.state,
  digestKey: notification.digestKey,
  items: notification.items.map((item) => ({ ...item, data: { ...item.data } })),
  attempts: notification.attempts,
  nextAttemptAt: notification.nextAttemptAt,
  lastStatusCode: notification.lastStatusCode,
  lastError: notification.lastError,
  createdAt: notification.createdAt,
  deliveredAt: notification.deliveredAt,
});

/** Notification channels, subscriptions, the notifications sent and their delivery log (issue 10). */
export function notificationRoutes(context: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.put('/notifications/channels/:name', { config: needs('notifications'), schema: { params: channelNameParamsSchema, body: channelBodySchema, response: { 200: channelSchema, 201: channelSchema } } }, async (request, reply) => {
      const { channel, outcome } = await saveChannel(context.app, request.params.name, request.body);
      return reply.code(outcome === 'created' ? 201 : 200).send(toChannelDto(channel));
    });
    app.get('/notifications/channels', { config: needs('read'), schema: { response: { 200: channelListSchema } } }, async () => ({ channels: (await listChannels(context.app)).map(toChannelDto) }));
    app.get('/notifications/channels/:name', { config: needs('read'), schema: { params: channelNameParamsSchema, response: { 200: channelSchema } } }, async (request) => toChannelDto(await showChannel(context.app, request.params.name)));
    app.delete('/notifications/channels/:name', { config: needs('notifications'), schema: { params: channelNameParamsSchema } }, async (request, reply) => {
      await deleteChannel(context.app, request.params.name);
      return reply.code(204).send();
    });
    // Sends to the outside world on the caller's word: a write, not a read.
    app.post('/notifications/channels/:name/test', { config: needs('notifications'), schema: { params: channelNameParamsSchema, response: { 200: channelTestResultSchema } } }, async (request) => {
      const { delivered, statusCode, error } = await testChannel(context.app, request.params.name);
      return { delivered, statusCode, error };
    });

    app.put('/notifications/subscriptions/:name', { config: needs('notifications'), schema: { params: subscriptionNameParamsSchema, body: subscriptionBodySchema, response: { 200: subscriptionSchema, 201: subscriptionSchema } } }, async (request, reply) => {
      const { subscription, outcome } = await saveSubscription(context.app, request.params.name, request.body);
      return reply.code(outcome === 'created' ? 201 : 200).send(toSubscriptionDto(subscription));
    });
    app.get('/notifications/subscriptions', { config: needs('read'), schema: { response: { 200: subscriptionListSchema } } }, async () => ({ subscriptions: (await listSubscriptions(context.app)).map(toSubscriptionDto) }));
    app.get('/notifications/subscriptions/:name', { config: needs('read'), schema: { params: subscriptionNameParamsSchema, response: { 200: subscriptionSchema } } }, async (request) => toSubscriptionDto(await showSubscription(context.app, request.params.name)));
    app.delete('/notifications/subscriptions/:name', { config: needs('notifications'), schema: { params: subscriptionNameParamsSchema } }, async (request, reply) => {
      await deleteSubscription(context.app, request.params.name);
      return reply.code(204).send();
    });

    app.get('/notifications', { config: needs('read'), schema: { querystring: notificationListQuerySchema, response: { 200: notificationListSchema } } }, async (request) => ({
      notifications: (await listNotifications(context.app, request.query)).map(toNotificationDto),
    }));
    app.get('/notifications/:id', { config: needs('read'), schema: { params: notificationIdParamsSchema, response: { 200: notificationDetailSchema } } }, async (request) => {
      const { notification, attempts } = await showNotification(context.app, request.params.id);
      return { notification: toNotificationDto(notification), attempts };
    });
    app.post('/notifications/:id/redeliver', { config: needs('notifications'), schema: { params: notificationIdParamsSchema, response: { 200: notificationSchema } } }, async (request) =>
      toNotificationDto(await redeliverNotification(context.app, request.params.id)),
    );
  };
}
