import type { Kysely } from 'kysely';
import type { StoreCapabilities } from '../capabilities.js';

/**
 * Secrets (issue 6), encrypted at rest by envelope encryption (src/secrets/envelope.ts): every
 * part is base64 text — the value's ciphertext, IV and GCM tag, and its data key wrapped by the
 * master key `key_id` (with that wrapping's IV and tag). `environment` is a name, or `*` for every
 * environment of the application. `secret_keys` holds one row, for the master key in use, a small value
 * encrypted under it, so that a server started with another key refuses to start.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was
export async function up(db: Kysely<any>, _capabilities: StoreCapabilities): Promise<void> {
  await db.schema
    .createTable('secrets')
    .addColumn('app', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('ciphertext', 'text', (c) => c.notNull())
    .addColumn('iv', 'text', (c) => c.notNull())
    .addColumn('tag', 'text', (c) => c.notNull())
    .addColumn('wrapped_key', 'text', (c) => c.notNull())
    .addColumn('key_iv', 'text', (c) => c.notNull())
    .addColumn('key_tag', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('secrets_pk', ['app', 'environment', 'name'])
    .execute();

  await db.schema
    .createTable('secret_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // Always 1: at most one master key is in use, even when two nodes start on an empty store at once.
    .addColumn('slot', 'integer', (c) => c.notNull().defaultTo(1).unique())
    .addColumn('check_ciphertext', 'text', (c) => c.notNull())
    .addColumn('check_iv', 'text', (c) => c.notNull())
    .addColumn('check_tag', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}
