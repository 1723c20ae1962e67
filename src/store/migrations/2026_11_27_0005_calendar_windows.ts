import type { Kysely } from 'kysely';

/**
 * Maintenance and freeze windows (issue 5). A window is stored as the validated definition
 * (JSON text, re-parsable by `calendarWindowSchema`); its name and kind are columns too, so a
 * name is unique and lists can be filtered without parsing.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('calendar_windows')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('definition_json', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}
