import type { Kysely } from 'kysely';
import type { StoreCapabilities } from '../capabilities.js';

/**
 * Progressive delivery: a deployment can wait between batches (paused, holding its
 * app/environment but no lease) until a time or a request, and its analyses record every
 * measurement they take.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was
export async function up(db: Kysely<any>, capabilities: StoreCapabilities): Promise<void> {
  await db.schema.alterTable('deployments').addColumn('control_request', 'text').execute();
  await db.schema.alterTable('deployments').addColumn('resume_at', 'text').execute();
  await db.schema.alterTable('deployments').addColumn('next_gate', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema
    .createTable('analysis_measurements')
    .addColumn('seq', capabilities.serialColumnType, (c) => c.primaryKey().$call((column) => (capabilities.serialNeedsAutoIncrement ? column.autoIncrement() : column)))
    .addColumn('deployment_id', 'text', (c) => c.notNull())
    .addColumn('gate', 'integer', (c) => c.notNull())
    .addColumn('template', 'text', (c) => c.notNull())
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('phase', 'text', (c) => c.notNull())
    .addColumn('value_json', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('analysis_measurements_deployment_seq').on('analysis_measurements').columns(['deployment_id', 'seq']).execute();
}
