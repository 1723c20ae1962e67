import type { Kysely } from 'kysely';
import type { StoreCapabilities } from '../capabilities.js';

/**
 * Users (issue 6): people who log in with a local password and get tokens derived from their
 * access. `password_hash` is an argon2id PHC string (null: the user cannot log in, only be given
 * tokens). The access columns have the shape API tokens have: a role bound to JSON arrays of
 * application and environment names (`["*"]` for all). Tokens whose `user_name` matches a row here
 * are narrowed to it on every request, and refused while it is disabled.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was
export async function up(db: Kysely<any>, _capabilities: StoreCapabilities): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('display_name', 'text')
    .addColumn('password_hash', 'text')
    .addColumn('groups_json', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('role', 'text', (c) => c.notNull().defaultTo('viewer'))
    .addColumn('apps_json', 'text', (c) => c.notNull().defaultTo('["*"]'))
    .addColumn('environments_json', 'text', (c) => c.notNull().defaultTo('["*"]'))
    .addColumn('disabled_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('password_changed_at', 'text')
    .execute();
}
