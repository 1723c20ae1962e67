import type { Kysely } from 'kysely';
import type { StoreCapabilities } from '../capabilities.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was
export async function up(db: Kysely<any>, capabilities: StoreCapabilities): Promise<void> {
  await db.schema
    .createTable('agent_enrolment_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_sha256', 'text', (c) => c.notNull().unique())
    .addColumn('labels_json', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .addColumn('used_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.alterTable('targets').addColumn('last_seen_at', 'text').execute();
  await db.schema
    .createTable('target_facts')
    .addColumn('target', 'text', (c) => c.primaryKey())
    .addColumn('facts_json', 'text', (c) => c.notNull())
    .addColumn('reported_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('target_fact_changes')
    .addColumn('seq', capabilities.serialColumnType, (c) => c.primaryKey().$call((column) => (capabilities.serialNeedsAutoIncrement ? column.autoIncrement() : column)))
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('changes_json', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('target_fact_changes_target_seq').on('target_fact_changes').columns(['target', 'seq']).execute();
}
