import type { Kysely } from 'kysely';

/**
 * Incidents (issue 10), linked when they are opened to the deployment that caused them (named,
 * or the latest one before it, with the reason kept) and to its change, so DORA change failure
 * rate and time to restore follow links, not dates.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('incidents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    /** The n of `I-<n>`; unique, so two people opening at once cannot take the same one. */
    .addColumn('number', 'integer', (c) => c.notNull().unique())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('app', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('priority', 'text', (c) => c.notNull())
    // Checked when the incident is opened, not by a foreign key: an incident is history and must
    // outlive whatever retention later prunes.
    .addColumn('deployment_id', 'text')
    /** given | latest | none, and why, in words. */
    .addColumn('attribution', 'text', (c) => c.notNull())
    .addColumn('attribution_note', 'text', (c) => c.notNull())
    .addColumn('change_id', 'text')
    .addColumn('opened_by', 'text', (c) => c.notNull())
    .addColumn('opened_at', 'text', (c) => c.notNull())
    .addColumn('resolved_by', 'text')
    .addColumn('resolved_at', 'text')
    .execute();
  await db.schema.createIndex('incidents_app_environment').on('incidents').columns(['app', 'environment', 'opened_at']).execute();
  await db.schema.createIndex('incidents_deployment').on('incidents').column('deployment_id').execute();
}
