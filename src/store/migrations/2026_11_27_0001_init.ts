import type { Kysely } from 'kysely';
import type { StoreCapabilities } from '../capabilities.js';

// Migrations are frozen once released: change the schema with a new file, never by editing this one.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was
export async function up(db: Kysely<any>, capabilities: StoreCapabilities): Promise<void> {
  const seqType = capabilities.serialColumnType;
  await db.schema
    .createTable('applications')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('manifest_source', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('targets')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('transport_json', 'text', (c) => c.notNull())
    .addColumn('labels_json', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('releases')
    .addColumn('app', 'text', (c) => c.notNull().references('applications.name'))
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('size_bytes', 'bigint', (c) => c.notNull())
    .addColumn('manifest_source', 'text', (c) => c.notNull())
    .addColumn('commit_sha', 'text')
    .addColumn('notes', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('releases_pk', ['app', 'version'])
    .execute();
  await db.schema
    .createTable('deployments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('app', 'text', (c) => c.notNull().references('applications.name'))
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('plan_json', 'text')
    .addColumn('current_batch', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('forced', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .addColumn('active_key', 'text', (c) => c.unique())
    .addColumn('cancel_requested_at', 'text')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'text')
    .addColumn('lease_token', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('deployments_state_created').on('deployments').columns(['state', 'created_at', 'id']).execute();
  await db.schema.createIndex('deployments_app_env').on('deployments').columns(['app', 'environment', 'created_at']).execute();
  await db.schema
    .createTable('tasks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('deployment_id', 'text', (c) => c.notNull().references('deployments.id'))
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('batch', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('step', 'text')
    .addColumn('step_done', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('previous_version', 'text')
    .addColumn('error_json', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('tasks_deployment_target', ['deployment_id', 'target'])
    .execute();
  await db.schema
    .createTable('events')
    .addColumn('seq', seqType, (c) => c.primaryKey().$call((column) => (capabilities.serialNeedsAutoIncrement ? column.autoIncrement() : column)))
    .addColumn('deployment_id', 'text', (c) => c.notNull())
    .addColumn('target', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('data_json', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('events_deployment_seq').on('events').columns(['deployment_id', 'seq']).execute();
  await db.schema
    .createTable('logs')
    .addColumn('seq', seqType, (c) => c.primaryKey().$call((column) => (capabilities.serialNeedsAutoIncrement ? column.autoIncrement() : column)))
    .addColumn('deployment_id', 'text', (c) => c.notNull())
    .addColumn('target', 'text')
    .addColumn('step', 'text')
    .addColumn('stream', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('logs_deployment_seq').on('logs').columns(['deployment_id', 'seq']).execute();
  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_sha256', 'text', (c) => c.notNull().unique())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}
