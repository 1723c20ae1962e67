import { sql, type Kysely } from 'kysely';
import type { StoreCapabilities } from '../capabilities.js';

/**
 * Teams and several role bindings per person (issue 6).
 * - Users and tokens hold a JSON array of bindings (`[{"role", "apps", "environments"}]`) instead
 *   of one role and one scope; the rows that exist keep exactly what they had, as one binding.
 * - Users get a kind: `person`, or `service` for an account that CI systems act as (no password,
 *   no login, never an approver; its tokens follow it like a person's).
 * - Teams: a name (a group users belong to), the identity provider's groups that mean membership,
 *   and the team's bindings.
 * - Tokens record how they came about: `minted` (POST /tokens, the first admin token, feeds) or
 *   `login` (a password or single sign-on login), so that a password change ends the logins.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was
export async function up(db: Kysely<any>, _capabilities: StoreCapabilities): Promise<void> {
  for (const table of ['users', 'api_tokens']) {
    await db.schema.alterTable(table).addColumn('bindings_json', 'text', (c) => c.notNull().defaultTo('[]')).execute();
    await sql`UPDATE ${sql.table(table)} SET bindings_json = '[{"role":"' || role || '","apps":' || apps_json || ',"environments":' || environments_json || '}]'`.execute(db);
    for (const column of ['role', 'apps_json', 'environments_json']) await db.schema.alterTable(table).dropColumn(column).execute();
  }
  await db.schema.alterTable('users').addColumn('kind', 'text', (c) => c.notNull().defaultTo('person')).execute();
  await db.schema.alterTable('api_tokens').addColumn('origin', 'text', (c) => c.notNull().defaultTo('minted')).execute();
  await sql`UPDATE api_tokens SET origin = 'login' WHERE label LIKE 'login of %' OR label LIKE 'single sign-on of %'`.execute(db);
  await db.schema
    .createTable('teams')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('display_name', 'text')
    .addColumn('sso_groups_json', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('bindings_json', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}
