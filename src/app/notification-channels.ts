/**
 * Notification channels (issue 10): where messages go. Credentials (a webhook's signing secret,
 * a Slack or Teams URL, an SMTP password) are sealed with the master key like secrets, and no
 * answer carries them: answers say which are set.
 */
import { channelInputSchema, type ChannelInput } from '../core/notify/channel-config.js';
import { joinCredentials, splitCredentials, type ChannelCredentials } from '../core/notify/channel-credentials.js';
import { GantryError } from '../core/errors.js';
import type { NotificationMessage } from '../core/notify/message.js';
import { nameSchema } from '../core/names.js';
import type { DeliveryOutcome } from '../notify/channel-sender.js';
import type { Kysely, Transaction } from 'kysely';
import type { SealedSecret, SecretKeyring } from '../secrets/envelope.js';
import type { Database } from '../store/schema.js';
import * as store from '../store/notifications.repository.js';
import type { AppDeps } from './app-deps.js';
import type { NotificationPorts } from './notification-ports.js';
import { parseInput } from './parse-input.js';

export interface ChannelView {
  readonly name: string;
  readonly type: ChannelInput['type'];
  /** The definition without its credentials. */
  readonly config: Readonly<Record<string, unknown>>;
  /** The credentials that are set (`secret`, `url`, `password`), never their values. */
  readonly credentialsSet: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

interface StoredCredentials {
  readonly set: string[];
  readonly sealed: SealedSecret;
}

const identityOf = (name: string) => ({ app: '#notification-channel', environment: '*', name });

function viewOf(channel: store.StoredChannel): ChannelView {
  const credentials = channel.sealedCredentials ? (JSON.parse(channel.sealedCredentials) as StoredCredentials) : null;
  return { name: channel.name, type: channel.type as ChannelInput['type'], config: channel.config, credentialsSet: credentials?.set ?? [], createdAt: channel.createdAt, updatedAt: channel.updatedAt };
}

export function notificationPorts(deps: AppDeps): NotificationPorts {
  if (!deps.notifications) throw new GantryError('STORE_UNAVAILABLE', 'notifications are not set up on this server', {});
  return deps.notifications;
}

/** Creates or replaces a channel (the whole definition, credentials included). */
export async function saveChannel(deps: AppDeps, name: string, input: unknown): Promise<{ readonly channel: ChannelView; readonly outcome: 'created' | 'updated' }> {
  parseInput(nameSchema, name, 'name');
  const channel = parseInput(channelInputSchema, input, '', 'channel');
  const { config, credentials } = splitCredentials(channel);
  const sealedCredentials = credentials ? JSON.stringify({ set: Object.keys(credentials).sort(), sealed: deps.keyring.seal(identityOf(name), JSON.stringify(credentials)) } satisfies StoredCredentials) : null;
  const outcome = await store.saveChannel(deps.db, { name, type: channel.type, config, sealedCredentials }, deps.clock.now().toISOString());
  return { channel: viewOf((await store.getChannel(deps.db, name))!), outcome };
}

export async function listChannels(deps: AppDeps): Promise<ChannelView[]> {
  return (await store.listChannels(deps.db)).map(viewOf);
}

export async function showChannel(deps: AppDeps, name: string): Promise<ChannelView> {
  const channel = await store.getChannel(deps.db, name);
  if (!channel) throw channelMissing(name);
  return viewOf(channel);
}

export async function deleteChannel(deps: AppDeps, name: string): Promise<void> {
  const outcome = await store.deleteChannel(deps.db, name);
  if (outcome === 'missing') throw channelMissing(name);
  if (outcome !== 'deleted') {
    throw new GantryError('NOTIFICATION_CHANNEL_IN_USE', `subscriptions ${outcome.inUse.join(', ')} send to channel ${name}: remove them first`, { where: 'name', subscriptions: outcome.inUse });
  }
}

export function channelMissing(name: string): GantryError {
  return new GantryError('NOTIFICATION_CHANNEL_NOT_FOUND', `notification channel ${name} does not exist`, { where: 'channel' });
}

/** The channel's whole definition, credentials opened, for sending; undefined when it is gone. */
export async function loadChannelForSending(deps: AppDeps, name: string): Promise<ChannelInput | undefined> {
  const channel = await store.getChannel(deps.db, name);
  if (!channel) return undefined;
  let credentials: ChannelCredentials | null = null;
  if (channel.sealedCredentials) {
    const stored = JSON.parse(channel.sealedCredentials) as StoredCredentials;
    try {
      credentials = JSON.parse(deps.keyring.open(identityOf(name), stored.sealed)) as ChannelCredentials;
    } catch (error) {
      throw new GantryError('NOTIFICATION_CHANNEL_UNREADABLE', `the credentials of notification channel ${name} cannot be decrypted with master key ${deps.keyring.keyId}: define the channel again`, { where: 'channel' }, { cause: error });
    }
  }
  return channelInputSchema.parse(joinCredentials({ type: channel.type, ...channel.config }, credentials));
}

/** Sends a test message to the channel now, outside the delivery queue, and answers how it went. */
export async function testChannel(deps: AppDeps, name: string): Promise<DeliveryOutcome> {
  const ports = notificationPorts(deps);
  const channel = await loadChannelForSending(deps, name);
  if (!channel) throw channelMissing(name);
  const now = deps.clock.now().toISOString();
  const message: NotificationMessage = {
    id: deps.ids.next('N-test'),
    type: 'deployment.succeeded',
    subject: `channel ${name}`,
    severity: 'info',
    title: `Test message from Gantry to channel ${name}`,
    lines: ['If you can read this, the channel works.'],
    items: [],
    link: null,
    createdAt: now,
  };
  return ports.senderFor(channel).send(message, AbortSignal.timeout(30_000));
}

/**
 * Part of a master key rotation (app/secrets.ts): re-wraps each channel's credentials under the
 * new key, in the rotation's transaction. Returns how many channels were re-wrapped.
 */
export async function rewrapChannelCredentials(db: Kysely<Database> | Transaction<Database>, from: SecretKeyring, into: SecretKeyring): Promise<number> {
  const channels = await store.listChannelCredentials(db);
  for (const channel of channels) {
    const stored = JSON.parse(channel.credentialsJson) as StoredCredentials;
    let sealed: SealedSecret;
    try {
      sealed = from.rewrap(identityOf(channel.name), stored.sealed, into);
    } catch (error) {
      throw new GantryError('NOTIFICATION_CHANNEL_UNREADABLE', `the credentials of notification channel ${channel.name} cannot be decrypted with master key ${from.keyId}: remove the channel, or rotate with the key that sealed them`, { where: 'channel' }, { cause: error });
    }
    await store.updateChannelCredentials(db, channel.name, JSON.stringify({ set: stored.set, sealed } satisfies StoredCredentials));
  }
  return channels.length;
}
