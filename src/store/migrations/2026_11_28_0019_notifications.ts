import type { Kysely } from 'kysely';
import type { StoreCapabilities } from '../capabilities.js';

/**
 * Notifications (issue 10): channels (credentials sealed apart from the rest of the definition),
 * subscriptions, how far the scanner has read each source (compare-and-set cursors), the
 * once-per keys that keep a subscription from being told twice, the notifications themselves
 * (collecting a digest, pending delivery, delivered or failed; claimed by one node at a time) and
 * the log of every delivery attempt.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was
export async function up(db: Kysely<any>, capabilities: StoreCapabilities): Promise<void> {
  await db.schema
    .createTable('notification_channels')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('config_json', 'text', (c) => c.notNull())
    .addColumn('credentials_json', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('notification_subscriptions')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('channel', 'text', (c) => c.notNull().references('notification_channels.name'))
    .addColumn('events_json', 'text', (c) => c.notNull())
    .addColumn('apps_json', 'text', (c) => c.notNull())
    .addColumn('environments_json', 'text', (c) => c.notNull())
    .addColumn('minimum_risk', 'text')
    .addColumn('labels_json', 'text', (c) => c.notNull())
    .addColumn('digest_seconds', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('notification_cursors')
    .addColumn('source', 'text', (c) => c.primaryKey())
    .addColumn('position', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('notification_keys')
    .addColumn('subscription', 'text', (c) => c.notNull())
    .addColumn('once_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('notification_keys_pk', ['subscription', 'once_key'])
    .execute();
  await db.schema
    .createTable('notifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subscription', 'text')
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('lines_json', 'text', (c) => c.notNull())
    .addColumn('recipients_json', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('digest_key', 'text')
    .addColumn('items_json', 'text', (c) => c.notNull())
    .addColumn('item_count', 'integer', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'text')
    .addColumn('claim_owner', 'text')
    .addColumn('claim_expires_at', 'text')
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('delivered_at', 'text')
    .execute();
  await db.schema.createIndex('notifications_due').on('notifications').columns(['state', 'next_attempt_at']).execute();
  await db.schema.createIndex('notifications_collecting').on('notifications').columns(['subscription', 'digest_key', 'state']).execute();
  await db.schema
    .createTable('notification_attempts')
    .addColumn('seq', capabilities.serialColumnType, (c) => c.primaryKey().$call((column) => (capabilities.serialNeedsAutoIncrement ? column.autoIncrement() : column)))
    .addColumn('notification_id', 'text', (c) => c.notNull().references('notifications.id'))
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('delivered', 'integer', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', 'text')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('notification_attempts_notification').on('notification_attempts').columns(['notification_id', 'seq']).execute();
}
