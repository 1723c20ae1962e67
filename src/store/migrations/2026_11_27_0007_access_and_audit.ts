import { sql, type Kysely } from 'kysely';
import type { StoreCapabilities } from '../capabilities.js';

/**
 * Access control and audit (issue 6).
 * - Tokens get a role bound to a scope (applications × environments, `*` for all), an expiry,
 *   a revocation time and the time of their last use. Existing tokens keep full access: the
 *   first admin token, and tokens minted for people before roles existed, become `admin` on `*`
 *   (an upgrade must not lock anyone out; narrow them by minting new ones).
 * - The audit log is append-only and chained: each record holds the hash of the one before.
 *   Triggers refuse UPDATE and DELETE, and `audit_head` holds the newest link, so that cutting
 *   the tail off is as visible as editing the middle.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was
export async function up(db: Kysely<any>, capabilities: StoreCapabilities): Promise<void> {
  await db.schema.alterTable('api_tokens').addColumn('role', 'text', (c) => c.notNull().defaultTo('admin')).execute();
  await db.schema.alterTable('api_tokens').addColumn('apps_json', 'text', (c) => c.notNull().defaultTo('["*"]')).execute();
  await db.schema.alterTable('api_tokens').addColumn('environments_json', 'text', (c) => c.notNull().defaultTo('["*"]')).execute();
  await db.schema.alterTable('api_tokens').addColumn('expires_at', 'text').execute();
  await db.schema.alterTable('api_tokens').addColumn('revoked_at', 'text').execute();
  await db.schema.alterTable('api_tokens').addColumn('last_used_at', 'text').execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('seq', 'integer', (c) => c.primaryKey())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('resource', 'text', (c) => c.notNull())
    .addColumn('address', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('details_json', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('audit_head')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();

  if (capabilities.sharedByNodes) {
    await sql`CREATE FUNCTION gantry_audit_append_only() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$ LANGUAGE plpgsql`.execute(db);
    await sql`CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION gantry_audit_append_only()`.execute(db);
    await sql`CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION gantry_audit_append_only()`.execute(db);
  } else {
    await sql`CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END`.execute(db);
    await sql`CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END`.execute(db);
  }
}
