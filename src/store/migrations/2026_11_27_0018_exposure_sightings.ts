import type { Kysely } from 'kysely';

/**
 * When each target was first seen affected by each advisory (issue 9): a patch SLA counts from
 * then (or from the advisory's publication, whichever is later), so a target is not overdue for
 * the days before it was known to be exposed. A pair that stops being affected is forgotten.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('exposure_sightings')
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('advisory', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('exposure_sightings_pk', ['target', 'advisory'])
    .execute();
}
