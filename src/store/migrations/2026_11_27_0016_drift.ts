import type { Kysely } from 'kysely';

/**
 * Configuration drift (issue 9): the last check of each application's live release on each
 * target — its state, the changed/added/removed files and the declared packages missing (JSON arrays), when the current drift was
 * first seen, and whether anything explains it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('drift_checks')
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('app', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('changed_json', 'text', (c) => c.notNull())
    .addColumn('added_json', 'text', (c) => c.notNull())
    .addColumn('removed_json', 'text', (c) => c.notNull())
    .addColumn('packages_json', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'text')
    .addColumn('checked_at', 'text', (c) => c.notNull())
    .addColumn('unauthorised', 'integer', (c) => c.notNull())
    .addColumn('explanation', 'text')
    .addColumn('reason', 'text')
    .addPrimaryKeyConstraint('drift_checks_pk', ['target', 'app'])
    .execute();
  await db.schema.createIndex('drift_checks_environment').on('drift_checks').columns(['environment', 'state']).execute();
}
