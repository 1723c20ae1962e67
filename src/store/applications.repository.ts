import type { Kysely, Selectable } from 'kysely';
import { parseManifest } from '../core/manifest/parse-manifest.js';
import type { Application } from '../core/model.js';
import type { ApplicationsTable, Database } from './schema.js';

function toApplication(row: Selectable<ApplicationsTable>): Application {
  return {
    name: row.name,
    manifest: parseManifest(row.manifest_source, `application ${row.name}`),
    manifestSource: row.manifest_source,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function getApplication(db: Kysely<Database>, name: string): Promise<Application | null> {
  const row = await db.selectFrom('applications').selectAll().where('name', '=', name).executeTakeFirst();
  return row ? toApplication(row) : null;
}

export async function listApplications(db: Kysely<Database>): Promise<Application[]> {
  const rows = await db.selectFrom('applications').selectAll().orderBy('name').execute();
  return rows.map(toApplication);
}

/** Creates the application or replaces its manifest; returns whether it was created. */
export async function saveApplication(db: Kysely<Database>, name: string, manifestSource: string, now: string): Promise<boolean> {
  const result = await db
    .insertInto('applications')
    .values({ name, manifest_source: manifestSource, created_at: now, updated_at: now })
    .onConflict((conflict) => conflict.column('name').doUpdateSet({ manifest_source: manifestSource, updated_at: now }))
    .returning(['created_at'])
    .executeTakeFirstOrThrow();
  return result.created_at === now;
}
