import type { Kysely, Transaction } from 'kysely';
import type { RiskLevel } from '../core/change/risk-config.js';
import type { NotificationEventType, NotificationSeverity } from '../core/notify/events.js';
import type { NotificationItem } from '../core/notify/message.js';
import type { ChangeEventRow, DeploymentEventRow, DriftEpisode, PolicyFlipRow, ScheduledChange } from '../core/notify/source-events.js';
import type { Subscription } from '../core/notify/subscription.js';
import { parseJsonColumn } from './row-parsing.js';
import type { Database } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

// ---- channels -------------------------------------------------------------------------------

export interface StoredChannel {
  readonly name: string;
  readonly type: string;
  /** The definition without credentials. */
  readonly config: Readonly<Record<string, unknown>>;
  /** The sealed credentials (envelope JSON), or null. */
  readonly sealedCredentials: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

function channelOf(row: Database['notification_channels']): StoredChannel {
  return { name: row.name, type: row.type, config: parseJsonColumn(row.config_json, `notification channel ${row.name}`, 'config'), sealedCredentials: row.credentials_json, createdAt: row.created_at, updatedAt: row.updated_at };
}

export async function saveChannel(db: Kysely<Database>, channel: { name: string; type: string; config: Record<string, unknown>; sealedCredentials: string | null }, at: string): Promise<'created' | 'updated'> {
  return db.transaction().execute(async (trx) => {
    const values = { type: channel.type, config_json: JSON.stringify(channel.config), credentials_json: channel.sealedCredentials, updated_at: at };
    const updated = await trx.updateTable('notification_channels').set(values).where('name', '=', channel.name).executeTakeFirst();
    if (Number(updated.numUpdatedRows) > 0) return 'updated';
    await trx.insertInto('notification_channels').values({ name: channel.name, ...values, created_at: at }).execute();
    return 'created';
  });
}

export async function getChannel(db: Db, name: string): Promise<StoredChannel | undefined> {
  const row = await db.selectFrom('notification_channels').selectAll().where('name', '=', name).executeTakeFirst();
  return row ? channelOf(row) : undefined;
}

export async function listChannels(db: Db): Promise<StoredChannel[]> {
  return (await db.selectFrom('notification_channels').selectAll().orderBy('name').execute()).map(channelOf);
}

/** Removes the channel; 'in-use' (nothing removed) while subscriptions send to it. */
export async function deleteChannel(db: Kysely<Database>, name: string): Promise<'deleted' | 'missing' | { inUse: string[] }> {
  return db.transaction().execute(async (trx) => {
    const users = await trx.selectFrom('notification_subscriptions').select('name').where('channel', '=', name).orderBy('name').execute();
    if (users.length > 0) return { inUse: users.map((row) => row.name) };
    const deleted = await trx.deleteFrom('notification_channels').where('name', '=', name).executeTakeFirst();
    return Number(deleted.numDeletedRows) > 0 ? 'deleted' : 'missing';
  });
}

/** Channels with sealed credentials (name and the stored JSON), for re-wrapping under a new master key. */
export async function listChannelCredentials(db: Db): Promise<{ name: string; credentialsJson: string }[]> {
  const rows = await db.selectFrom('notification_channels').select(['name', 'credentials_json']).where('credentials_json', 'is not', null).orderBy('name').execute();
  return rows.map((row) => ({ name: row.name, credentialsJson: row.credentials_json! }));
}

export async function updateChannelCredentials(db: Db, name: string, credentialsJson: string): Promise<void> {
  await db.updateTable('notification_channels').set({ credentials_json: credentialsJson }).where('name', '=', name).execute();
}

// ---- subscriptions ----------------------------------------------------------------------------

export interface StoredSubscription extends Subscription {
  readonly createdAt: string;
}

function subscriptionOf(row: Database['notification_subscriptions']): StoredSubscription {
  const record = `notification subscription ${row.name}`;
  return {
    name: row.name,
    channel: row.channel,
    events: parseJsonColumn<NotificationEventType[]>(row.events_json, record, 'events'),
    apps: parseJsonColumn<string[]>(row.apps_json, record, 'apps'),
    environments: parseJsonColumn<string[]>(row.environments_json, record, 'environments'),
    minimumRisk: row.minimum_risk as RiskLevel | null,
    labels: parseJsonColumn<Record<string, string>>(row.labels_json, record, 'labels'),
    digestSeconds: Number(row.digest_seconds),
    createdAt: row.created_at,
  };
}

export async function saveSubscription(db: Kysely<Database>, subscription: Subscription, at: string): Promise<'created' | 'updated'> {
  return db.transaction().execute(async (trx) => {
    const values = {
      channel: subscription.channel,
      events_json: JSON.stringify(subscription.events),
      apps_json: JSON.stringify(subscription.apps),
      environments_json: JSON.stringify(subscription.environments),
      minimum_risk: subscription.minimumRisk,
      labels_json: JSON.stringify(subscription.labels),
      digest_seconds: subscription.digestSeconds,
    };
    const updated = await trx.updateTable('notification_subscriptions').set(values).where('name', '=', subscription.name).executeTakeFirst();
    if (Number(updated.numUpdatedRows) > 0) return 'updated';
    await trx.insertInto('notification_subscriptions').values({ name: subscription.name, ...values, created_at: at }).execute();
    return 'created';
  });
}

export async function getSubscription(db: Db, name: string): Promise<StoredSubscription | undefined> {
  const row = await db.selectFrom('notification_subscriptions').selectAll().where('name', '=', name).executeTakeFirst();
  return row ? subscriptionOf(row) : undefined;
}

export async function listSubscriptions(db: Db): Promise<StoredSubscription[]> {
  return (await db.selectFrom('notification_subscriptions').selectAll().orderBy('name').execute()).map(subscriptionOf);
}

/** Removes the subscription and its once keys (a new one of the same name starts afresh); its notifications stay in the log. */
export async function deleteSubscription(db: Kysely<Database>, name: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const deleted = await trx.deleteFrom('notification_subscriptions').where('name', '=', name).executeTakeFirst();
    await trx.deleteFrom('notification_keys').where('subscription', '=', name).execute();
    return Number(deleted.numDeletedRows) > 0;
  });
}

// ---- cursors and once keys --------------------------------------------------------------------

export type CursorSource = 'events' | 'change_events' | 'policy_flips';

export async function readCursor(db: Db, source: CursorSource): Promise<number | null> {
  const row = await db.selectFrom('notification_cursors').select('position').where('source', '=', source).executeTakeFirst();
  return row ? Number(row.position) : null;
}

/** The newest row of a source (0 when empty): where a fresh cursor starts, so old history is not replayed. */
export async function newestSeq(db: Db, source: CursorSource): Promise<number> {
  const row = await db.selectFrom(source).select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst();
  return row?.seq === null || row?.seq === undefined ? 0 : Number(row.seq);
}

/** Places a cursor if there is none yet (another node may have placed it first: then theirs stands). */
export async function placeCursor(db: Db, source: CursorSource, position: number): Promise<void> {
  await db.insertInto('notification_cursors').values({ source, position }).onConflict((conflict) => conflict.column('source').doNothing()).execute();
}

/** Compare-and-set: moves the cursor only if it is still where this reader found it. */
export async function advanceCursor(db: Db, source: CursorSource, from: number, to: number): Promise<boolean> {
  const updated = await db.updateTable('notification_cursors').set({ position: to }).where('source', '=', source).where('position', '=', from).executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

/** Records a once key for a subscription; false when it was already there (already notified). */
export async function claimOnceKey(db: Db, subscription: string, onceKey: string, at: string): Promise<boolean> {
  const inserted = await db
    .insertInto('notification_keys')
    .values({ subscription, once_key: onceKey, created_at: at })
    .onConflict((conflict) => conflict.columns(['subscription', 'once_key']).doNothing())
    .executeTakeFirst();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
}

/** Of these once keys, the ones queued for some recipient, with the first time each was. */
export async function queuedOnceKeys(db: Db, onceKeys: readonly string[]): Promise<Map<string, string>> {
  if (onceKeys.length === 0) return new Map();
  const rows = await db.selectFrom('notification_keys').select(['once_key', (eb) => eb.fn.min('created_at').as('first')]).where('once_key', 'in', onceKeys).groupBy('once_key').execute();
  return new Map(rows.map((row) => [row.once_key, String(row.first)]));
}

// ---- sources ----------------------------------------------------------------------------------

const DEPLOYMENT_EVENT_TYPES = ['deployment:started', 'batch:finished', 'deployment:succeeded', 'deployment:failed', 'deployment:rolled-back', 'deployment:paused'];

function riskLevelOf(riskJson: string | null): RiskLevel | null {
  if (!riskJson) return null;
  const parsed = JSON.parse(riskJson) as { level?: RiskLevel };
  return parsed.level ?? null;
}

/** Deployment events after `after` that notifications are made of, oldest first; `lastSeq`: the newest row looked at. */
export async function readDeploymentEvents(db: Db, after: number, limit: number): Promise<{ rows: DeploymentEventRow[]; lastSeq: number | null }> {
  const rows = await db
    .selectFrom('events')
    .innerJoin('deployments', 'deployments.id', 'events.deployment_id')
    .leftJoin('changes', 'changes.deployment_id', 'deployments.id')
    .select(['events.seq', 'events.type', 'events.data_json', 'events.at', 'deployments.id', 'deployments.app', 'deployments.environment', 'deployments.version', 'deployments.plan_json', 'deployments.reason', 'changes.risk_json'])
    .where('events.seq', '>', after)
    .where('events.type', 'in', DEPLOYMENT_EVENT_TYPES)
    .orderBy('events.seq')
    .limit(limit)
    .execute();
  return {
    lastSeq: rows.length > 0 ? Number(rows.at(-1)!.seq) : null,
    rows: rows.map((row) => ({
      seq: Number(row.seq),
      deploymentId: row.id,
      type: row.type,
      data: parseJsonColumn<Record<string, unknown>>(row.data_json, `event ${row.seq}`, 'data'),
      at: row.at,
      app: row.app,
      environment: row.environment,
      version: row.version,
      risk: riskLevelOf(row.risk_json),
      batches: row.plan_json ? (parseJsonColumn<{ batches?: string[][] }>(row.plan_json, `deployment ${row.id}`, 'plan').batches ?? []) : [],
      reason: row.reason,
    })),
  };
}

export async function readChangeEvents(db: Db, after: number, limit: number): Promise<{ rows: ChangeEventRow[]; lastSeq: number | null }> {
  const rows = await db
    .selectFrom('change_events')
    .innerJoin('changes', 'changes.id', 'change_events.change_id')
    .select(['change_events.seq', 'change_events.type', 'change_events.from_state', 'change_events.to_state', 'change_events.actor', 'change_events.at', 'changes.id', 'changes.title', 'changes.app', 'changes.environment', 'changes.version', 'changes.risk_json', 'changes.window_start'])
    .where('change_events.seq', '>', after)
    .orderBy('change_events.seq')
    .limit(limit)
    .execute();
  return {
    lastSeq: rows.length > 0 ? Number(rows.at(-1)!.seq) : null,
    rows: rows.map((row) => ({
      seq: Number(row.seq),
      changeId: row.id,
      type: row.type,
      fromState: row.from_state,
      toState: row.to_state,
      actor: row.actor,
      at: row.at,
      title: row.title,
      app: row.app,
      environment: row.environment,
      version: row.version,
      risk: riskLevelOf(row.risk_json),
      windowStart: row.window_start,
    })),
  };
}

export async function readPolicyFlips(db: Db, after: number, limit: number): Promise<{ rows: PolicyFlipRow[]; lastSeq: number | null }> {
  const rows = await db
    .selectFrom('policy_flips')
    .leftJoin('targets', 'targets.name', 'policy_flips.target')
    .select(['policy_flips.seq', 'policy_flips.policy', 'policy_flips.target', 'policy_flips.from_state', 'policy_flips.to_state', 'policy_flips.reasons_json', 'policy_flips.at', 'targets.labels_json'])
    .where('policy_flips.seq', '>', after)
    .orderBy('policy_flips.seq')
    .limit(limit)
    .execute();
  return {
    lastSeq: rows.length > 0 ? Number(rows.at(-1)!.seq) : null,
    rows: rows.map((row) => ({
      seq: Number(row.seq),
      policy: row.policy,
      target: row.target,
      from: row.from_state,
      to: row.to_state,
      reasons: parseJsonColumn<string[]>(row.reasons_json, `policy flip ${row.seq}`, 'reasons'),
      at: row.at,
      labels: row.labels_json ? parseJsonColumn<Record<string, string>>(row.labels_json, `target ${row.target}`, 'labels') : {},
    })),
  };
}

/** Releases drifted on a target now, with when the drift was first seen. */
export async function listDriftEpisodes(db: Db): Promise<DriftEpisode[]> {
  const rows = await db
    .selectFrom('drift_checks')
    .leftJoin('targets', 'targets.name', 'drift_checks.target')
    .select(['drift_checks.target', 'drift_checks.app', 'drift_checks.environment', 'drift_checks.version', 'drift_checks.first_seen_at', 'drift_checks.changed_json', 'drift_checks.added_json', 'drift_checks.removed_json', 'drift_checks.unauthorised', 'targets.labels_json'])
    .where('drift_checks.state', '=', 'drifted')
    .where('drift_checks.first_seen_at', 'is not', null)
    .orderBy('drift_checks.first_seen_at')
    .execute();
  const count = (json: string) => (JSON.parse(json) as unknown[]).length;
  return rows.map((row) => ({
    target: row.target,
    app: row.app,
    environment: row.environment,
    version: row.version,
    firstSeenAt: row.first_seen_at!,
    changed: count(row.changed_json),
    added: count(row.added_json),
    removed: count(row.removed_json),
    unauthorised: Number(row.unauthorised) === 1,
    labels: row.labels_json ? parseJsonColumn<Record<string, string>>(row.labels_json, `target ${row.target}`, 'labels') : {},
  }));
}

/** Scheduled changes whose window starts between `from` and `to`. */
export async function listChangesStartingBetween(db: Db, from: string, to: string): Promise<ScheduledChange[]> {
  const rows = await db
    .selectFrom('changes')
    .select(['id', 'title', 'app', 'environment', 'version', 'risk_json', 'window_start'])
    .where('state', '=', 'scheduled')
    .where('window_start', '>=', from)
    .where('window_start', '<=', to)
    .execute();
  return rows.map((row) => ({ id: row.id, title: row.title, app: row.app, environment: row.environment, version: row.version, risk: riskLevelOf(row.risk_json), windowStart: row.window_start! }));
}

// ---- notifications ----------------------------------------------------------------------------

export type NotificationState = 'collecting' | 'pending' | 'delivered' | 'failed';

export interface StoredNotification {
  readonly id: string;
  readonly subscription: string | null;
  readonly channel: string;
  readonly type: NotificationEventType;
  readonly subject: string;
  readonly severity: NotificationSeverity;
  readonly title: string;
  readonly lines: readonly string[];
  readonly recipients: readonly string[];
  readonly state: NotificationState;
  readonly digestKey: string | null;
  readonly items: readonly NotificationItem[];
  readonly attempts: number;
  readonly nextAttemptAt: string | null;
  readonly lastStatusCode: number | null;
  readonly lastError: string | null;
  readonly createdAt: string;
  readonly deliveredAt: string | null;
}

function notificationOf(row: Database['notifications']): StoredNotification {
  const record = `notification ${row.id}`;
  return {
    id: row.id,
    subscription: row.subscription,
    channel: row.channel,
    type: row.event_type as NotificationEventType,
    subject: row.subject,
    severity: row.severity as NotificationSeverity,
    title: row.title,
    lines: parseJsonColumn<string[]>(row.lines_json, record, 'lines'),
    recipients: parseJsonColumn<string[]>(row.recipients_json, record, 'recipients'),
    state: row.state as NotificationState,
    digestKey: row.digest_key,
    items: parseJsonColumn<NotificationItem[]>(row.items_json, record, 'items'),
    attempts: Number(row.attempts),
    nextAttemptAt: row.next_attempt_at,
    lastStatusCode: row.last_status_code === null ? null : Number(row.last_status_code),
    lastError: row.last_error,
    createdAt: row.created_at,
    deliveredAt: row.delivered_at,
  };
}

export interface NewNotification {
  readonly id: string;
  readonly subscription: string | null;
  readonly channel: string;
  readonly type: NotificationEventType;
  readonly subject: string;
  readonly severity: NotificationSeverity;
  readonly title: string;
  readonly lines: readonly string[];
  readonly recipients: readonly string[];
  readonly digestKey: string | null;
  readonly item: NotificationItem;
  /** collecting until `dueAt` (a digest), or pending from `dueAt`. */
  readonly state: 'collecting' | 'pending';
  readonly dueAt: string;
  readonly at: string;
}

export async function insertNotification(db: Db, notification: NewNotification): Promise<void> {
  await db
    .insertInto('notifications')
    .values({
      id: notification.id,
      subscription: notification.subscription,
      channel: notification.channel,
      event_type: notification.type,
      subject: notification.subject,
      severity: notification.severity,
      title: notification.title,
      lines_json: JSON.stringify(notification.lines),
      recipients_json: JSON.stringify(notification.recipients),
      state: notification.state,
      digest_key: notification.digestKey,
      items_json: JSON.stringify([notification.item]),
      item_count: 1,
      attempts: 0,
      next_attempt_at: notification.dueAt,
      claim_owner: null,
      claim_expires_at: null,
      last_status_code: null,
      last_error: null,
      created_at: notification.at,
      delivered_at: null,
    })
    .execute();
}

/**
 * Adds an item to the subscription's digest with this key that is still collecting; false when
 * there is none (or it closed meanwhile: the append is a compare-and-set on the item count).
 */
export async function joinCollectingDigest(db: Db, subscription: string, digestKey: string, item: NotificationItem, now: string): Promise<boolean> {
  for (let tries = 0; tries < 5; tries += 1) {
    const row = await db
      .selectFrom('notifications')
      .select(['id', 'items_json', 'item_count'])
      .where('subscription', '=', subscription)
      .where('digest_key', '=', digestKey)
      .where('state', '=', 'collecting')
      .where('next_attempt_at', '>', now)
      .orderBy('created_at')
      .limit(1)
      .executeTakeFirst();
    if (!row) return false;
    const items = [...parseJsonColumn<NotificationItem[]>(row.items_json, `notification ${row.id}`, 'items'), item];
    const updated = await db
      .updateTable('notifications')
      .set({ items_json: JSON.stringify(items), item_count: items.length })
      .where('id', '=', row.id)
      .where('state', '=', 'collecting')
      .where('item_count', '=', Number(row.item_count))
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 1) return true;
  }
  return false;
}

/** Ids of notifications due now (a closed digest, or an attempt whose time came) and not claimed by a live node. */
export async function listDueNotifications(db: Db, now: string, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('notifications')
    .select('id')
    .where('state', 'in', ['collecting', 'pending'])
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('claim_expires_at', 'is', null), eb('claim_expires_at', '<', now)]))
    .orderBy('next_attempt_at')
    .limit(limit)
    .execute();
  return rows.map((row) => row.id);
}

/** Claims one due notification for `owner` until `expiresAt` (compare-and-set); a closed digest becomes pending. */
export async function claimNotification(db: Db, id: string, owner: string, now: string, expiresAt: string): Promise<StoredNotification | null> {
  const updated = await db
    .updateTable('notifications')
    .set({ state: 'pending', claim_owner: owner, claim_expires_at: expiresAt })
    .where('id', '=', id)
    .where('state', 'in', ['collecting', 'pending'])
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('claim_expires_at', 'is', null), eb('claim_expires_at', '<', now)]))
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) !== 1) return null;
  const row = await db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  return notificationOf(row);
}

export interface AttemptRecord {
  readonly at: string;
  readonly delivered: boolean;
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly durationMs: number;
}

/** Logs an attempt by the claim's owner and moves the notification on (delivered, failed, or pending again later). */
export async function recordAttempt(db: Kysely<Database>, id: string, owner: string, attempt: AttemptRecord, next: { state: 'delivered' | 'failed' | 'pending'; nextAttemptAt: string | null }): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('notifications').select(['attempts', 'claim_owner']).where('id', '=', id).executeTakeFirst();
    if (!row || row.claim_owner !== owner) return;
    await trx
      .insertInto('notification_attempts')
      .values({ notification_id: id, at: attempt.at, delivered: attempt.delivered ? 1 : 0, status_code: attempt.statusCode, error: attempt.error, duration_ms: attempt.durationMs })
      .execute();
    await trx
      .updateTable('notifications')
      .set({
        state: next.state,
        attempts: Number(row.attempts) + 1,
        next_attempt_at: next.nextAttemptAt,
        claim_owner: null,
        claim_expires_at: null,
        last_status_code: attempt.statusCode,
        last_error: attempt.error,
        ...(next.state === 'delivered' ? { delivered_at: attempt.at } : {}),
      })
      .where('id', '=', id)
      .where('claim_owner', '=', owner)
      .execute();
  });
}

export interface NotificationFilter {
  readonly state?: NotificationState;
  readonly channel?: string;
  readonly subscription?: string;
  readonly limit: number;
}

export async function listNotifications(db: Db, filter: NotificationFilter): Promise<StoredNotification[]> {
  let query = db.selectFrom('notifications').selectAll();
  if (filter.state) query = query.where('state', '=', filter.state);
  if (filter.channel) query = query.where('channel', '=', filter.channel);
  if (filter.subscription) query = query.where('subscription', '=', filter.subscription);
  return (await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute()).map(notificationOf);
}

export async function getNotification(db: Db, id: string): Promise<StoredNotification | undefined> {
  const row = await db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? notificationOf(row) : undefined;
}

export async function listAttempts(db: Db, id: string): Promise<(AttemptRecord & { seq: number })[]> {
  const rows = await db.selectFrom('notification_attempts').selectAll().where('notification_id', '=', id).orderBy('seq').execute();
  return rows.map((row) => ({ seq: Number(row.seq), at: row.at, delivered: Number(row.delivered) === 1, statusCode: row.status_code === null ? null : Number(row.status_code), error: row.error, durationMs: Number(row.duration_ms) }));
}

/** Starts a new round of attempts for a delivered or failed notification; false when it is not in either state. */
export async function restartDelivery(db: Db, id: string, now: string): Promise<boolean> {
  const updated = await db
    .updateTable('notifications')
    .set({ state: 'pending', attempts: 0, next_attempt_at: now, claim_owner: null, claim_expires_at: null })
    .where('id', '=', id)
    .where('state', 'in', ['delivered', 'failed'])
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}
