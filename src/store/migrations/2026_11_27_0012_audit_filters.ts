import type { Kysely } from 'kysely';
import type { StoreCapabilities } from '../capabilities.js';

/**
 * The audit log is read filtered by actor, action or time (`GET /audit`, the web UI's audit
 * screen), newest first: indexes so those reads do not scan the whole log.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was
export async function up(db: Kysely<any>, _capabilities: StoreCapabilities): Promise<void> {
  await db.schema.createIndex('audit_log_actor').on('audit_log').columns(['actor', 'seq']).execute();
  await db.schema.createIndex('audit_log_action').on('audit_log').columns(['action', 'seq']).execute();
  await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();
}
