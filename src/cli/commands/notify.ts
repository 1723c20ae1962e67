/**
 * `gantry notify …`: notification channels, subscriptions, and the notifications sent with their
 * delivery log (issue 10). Credentials (a webhook's signing secret, a Slack or Teams URL, an SMTP
 * password) are read from a file or standard input, never from the command line, and never shown.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { NotificationDto } from '../../client/api-client.js';
import { GantryError } from '../../core/errors.js';
import { connect } from '../connect.js';
import type { CommandContext, Stdin } from '../context.js';
import { EXIT_CODES } from '../exit-codes.js';
import { NONE } from '../format.js';

const MAX_CREDENTIAL_BYTES = 8 * 1024;

export interface ChannelAddOptions {
  type: string;
  webhookUrl?: string;
  urlFile?: string;
  secretFile?: string;
  passwordFile?: string;
  smtpHost?: string;
  smtpPort?: string;
  smtpSecure?: boolean;
  smtpUser?: string;
  from?: string;
  to?: string[];
  json?: boolean;
}

async function readPiped(stdin: Stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/** A credential from a file (`-`: standard input), trailing newline dropped; empty is refused. */
async function readCredential(ctx: CommandContext, file: string, flag: string): Promise<string> {
  let text: string;
  if (file === '-') {
    if (!ctx.stdin || ctx.stdin.isTTY) throw new GantryError('REQUEST_INVALID', `${flag} -: pipe the value in on standard input`, { where: flag });
    text = await readPiped(ctx.stdin);
  } else {
    try {
      text = await readFile(resolve(ctx.cwd, file), 'utf8');
    } catch (error) {
      throw new GantryError('REQUEST_INVALID', `${flag} ${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`, { where: flag });
    }
  }
  const value = text.replace(/\r?\n$/, '');
  if (value === '') throw new GantryError('REQUEST_INVALID', `${flag} ${file} is empty`, { where: flag });
  if (Buffer.byteLength(value) > MAX_CREDENTIAL_BYTES) throw new GantryError('REQUEST_INVALID', `${flag} ${file} is larger than ${MAX_CREDENTIAL_BYTES} bytes`, { where: flag });
  return value;
}

async function channelDefinition(ctx: CommandContext, options: ChannelAddOptions): Promise<Record<string, unknown>> {
  switch (options.type) {
    case 'webhook': {
      if (!options.webhookUrl) throw new GantryError('REQUEST_INVALID', '--webhook-url: a webhook channel needs the URL to POST to', { where: '--webhook-url' });
      return { type: 'webhook', url: options.webhookUrl, ...(options.secretFile ? { secret: await readCredential(ctx, options.secretFile, '--secret-file') } : {}) };
    }
    case 'slack':
    case 'teams':
      // The incoming-webhook URL is the credential: whoever has it can post.
      return { type: options.type, url: await readCredential(ctx, options.urlFile ?? '-', '--url-file') };
    case 'email': {
      if (!options.smtpHost || !options.from || !options.to || options.to.length === 0) {
        throw new GantryError('REQUEST_INVALID', 'an email channel needs --smtp-host, --from and at least one --to', { where: !options.smtpHost ? '--smtp-host' : !options.from ? '--from' : '--to' });
      }
      const smtp: Record<string, unknown> = { host: options.smtpHost, secure: options.smtpSecure ?? false };
      if (options.smtpPort !== undefined) smtp.port = Number(options.smtpPort);
      if (options.smtpUser) smtp.user = options.smtpUser;
      if (options.passwordFile) smtp.password = await readCredential(ctx, options.passwordFile, '--password-file');
      return { type: 'email', smtp, from: options.from, to: options.to };
    }
    default:
      throw new GantryError('REQUEST_INVALID', `--type ${options.type}: expected webhook, slack, teams or email`, { where: '--type' });
  }
}

export async function addChannel(ctx: CommandContext, name: string, options: ChannelAddOptions): Promise<number> {
  const channel = await connect(ctx).saveNotificationChannel(name, await channelDefinition(ctx, options));
  if (options.json) ctx.output.json(channel);
  else ctx.output.line(`saved ${channel.type} channel ${channel.name}${channel.credentialsSet.length > 0 ? ` (set: ${channel.credentialsSet.join(', ')})` : ''}; try it with gantry notify channel test ${channel.name}`);
  return EXIT_CODES.ok;
}

/** Where a channel sends, without credentials: the webhook URL, the SMTP server and recipients. */
function destinationOf(config: Record<string, unknown>): string {
  if (typeof config.url === 'string') return config.url;
  const smtp = config.smtp as { host?: string; port?: number } | undefined;
  if (smtp?.host) return `${smtp.host}:${smtp.port ?? 587} → ${Array.isArray(config.to) ? config.to.join(', ') : NONE}`;
  return NONE;
}

export async function listChannels(ctx: CommandContext, options: { json?: boolean }): Promise<number> {
  const channels = await connect(ctx).listNotificationChannels();
  if (options.json) ctx.output.json({ channels });
  else ctx.output.table(['CHANNEL', 'TYPE', 'DESTINATION', 'CREDENTIALS SET', 'UPDATED'], channels.map((channel) => [channel.name, channel.type, destinationOf(channel.config), channel.credentialsSet.join(', ') || NONE, channel.updatedAt]));
  return EXIT_CODES.ok;
}

export async function removeChannel(ctx: CommandContext, name: string): Promise<number> {
  await connect(ctx).deleteNotificationChannel(name);
  ctx.output.line(`removed channel ${name}`);
  return EXIT_CODES.ok;
}

export async function testChannel(ctx: CommandContext, name: string, options: { json?: boolean }): Promise<number> {
  const result = await connect(ctx).testNotificationChannel(name);
  if (options.json) ctx.output.json(result);
  else ctx.output.line(result.delivered ? `test message delivered to ${name}${result.statusCode === null ? '' : ` (${result.statusCode})`}` : `test message not delivered to ${name}: ${result.error ?? 'unknown error'}`);
  return result.delivered ? EXIT_CODES.ok : EXIT_CODES.failed;
}

export interface SubscribeOptions {
  channel: string;
  events: string;
  app: string[];
  env: string[];
  minRisk?: string;
  label: string[];
  digest?: string;
  json?: boolean;
}

export async function subscribe(ctx: CommandContext, name: string, options: SubscribeOptions): Promise<number> {
  const labels: Record<string, string> = {};
  for (const pair of options.label) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new GantryError('REQUEST_INVALID', `--label ${pair}: expected key=value`, { where: '--label' });
    labels[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const subscription = await connect(ctx).saveNotificationSubscription(name, {
    channel: options.channel,
    events: options.events.split(',').map((event) => event.trim()).filter(Boolean),
    apps: options.app,
    environments: options.env,
    ...(options.minRisk ? { minimumRisk: options.minRisk } : {}),
    labels,
    ...(options.digest ? { digest: options.digest } : {}),
  });
  if (options.json) ctx.output.json(subscription);
  else ctx.output.line(`subscription ${subscription.name}: ${subscription.events.join(', ')} → channel ${subscription.channel}${subscription.digestSeconds > 0 ? ` (digest ${subscription.digestSeconds}s)` : ''}`);
  return EXIT_CODES.ok;
}

export async function listSubscriptions(ctx: CommandContext, options: { json?: boolean }): Promise<number> {
  const subscriptions = await connect(ctx).listNotificationSubscriptions();
  if (options.json) ctx.output.json({ subscriptions });
  else
    ctx.output.table(
      ['SUBSCRIPTION', 'CHANNEL', 'EVENTS', 'APPS', 'ENVIRONMENTS', 'MIN RISK', 'LABELS', 'DIGEST'],
      subscriptions.map((entry) => [
        entry.name,
        entry.channel,
        entry.events.join(','),
        entry.apps.join(',') || NONE,
        entry.environments.join(',') || NONE,
        entry.minimumRisk ?? NONE,
        Object.entries(entry.labels).map(([key, value]) => `${key}=${value}`).join(',') || NONE,
        entry.digestSeconds > 0 ? `${entry.digestSeconds}s` : NONE,
      ]),
    );
  return EXIT_CODES.ok;
}

export async function unsubscribe(ctx: CommandContext, name: string): Promise<number> {
  await connect(ctx).deleteNotificationSubscription(name);
  ctx.output.line(`removed subscription ${name}`);
  return EXIT_CODES.ok;
}

const statusOf = (notification: NotificationDto) =>
  notification.lastStatusCode !== null ? String(notification.lastStatusCode) : notification.lastError ? 'error' : NONE;

export async function listNotifications(ctx: CommandContext, options: { failed?: boolean; channel?: string; subscription?: string; json?: boolean }): Promise<number> {
  const notifications = await connect(ctx).listNotifications({ ...(options.failed ? { state: 'failed' as const } : {}), channel: options.channel, subscription: options.subscription });
  if (options.json) ctx.output.json({ notifications });
  else
    ctx.output.table(
      ['ID', 'STATE', 'EVENT', 'SUBJECT', 'CHANNEL', 'SUBSCRIPTION', 'ATTEMPTS', 'LAST STATUS', 'CREATED'],
      notifications.map((entry) => [entry.id, entry.state, entry.type, entry.items.length > 1 ? `${entry.items.length} subjects` : entry.subject, entry.channel, entry.subscription ?? NONE, String(entry.attempts), statusOf(entry), entry.createdAt]),
    );
  return EXIT_CODES.ok;
}

export async function showNotification(ctx: CommandContext, id: string, options: { json?: boolean }): Promise<number> {
  const { notification, attempts } = await connect(ctx).showNotification(id);
  if (options.json) {
    ctx.output.json({ notification, attempts });
    return EXIT_CODES.ok;
  }
  ctx.output.line(`${notification.id}  ${notification.state}  ${notification.type}  → ${notification.channel}`);
  ctx.output.line(notification.title);
  for (const item of notification.items.length > 1 ? notification.items : []) ctx.output.line(`  - ${item.title}`);
  if (notification.nextAttemptAt && (notification.state === 'pending' || notification.state === 'collecting')) ctx.output.line(`next attempt: ${notification.nextAttemptAt}`);
  ctx.output.line('');
  ctx.output.table(
    ['#', 'AT', 'RESULT', 'STATUS', 'DURATION', 'ERROR'],
    attempts.map((attempt, index) => [String(index + 1), attempt.at, attempt.delivered ? 'delivered' : 'failed', attempt.statusCode === null ? NONE : String(attempt.statusCode), `${attempt.durationMs}ms`, attempt.error ?? NONE]),
  );
  return EXIT_CODES.ok;
}

export async function redeliver(ctx: CommandContext, id: string, options: { json?: boolean }): Promise<number> {
  const notification = await connect(ctx).redeliverNotification(id);
  if (options.json) ctx.output.json(notification);
  else ctx.output.line(`notification ${notification.id} queued for delivery again; follow it with gantry notify show ${notification.id}`);
  return EXIT_CODES.ok;
}
