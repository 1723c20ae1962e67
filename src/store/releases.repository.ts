import type { Kysely, Selectable } from 'kysely';
import { GantryError } from '../core/errors.js';
import type { Release } from '../core/model.js';
import { isUniqueViolation } from './constraint-errors.js';
import type { Database, ReleasesTable } from './schema.js';

function toRelease(row: Selectable<ReleasesTable>): Release {
  return {
    app: row.app,
    version: row.version,
    digest: row.digest,
    sizeBytes: Number(row.size_bytes),
    manifestSource: row.manifest_source,
    commit: row.commit_sha,
    notes: row.notes,
    createdAt: row.created_at,
    archivePrunedAt: row.archive_pruned_at,
  };
}

export async function insertRelease(db: Kysely<Database>, release: Release): Promise<void> {
  try {
    await db
      .insertInto('releases')
      .values({
        app: release.app,
        version: release.version,
        digest: release.digest,
        size_bytes: release.sizeBytes,
        manifest_source: release.manifestSource,
        commit_sha: release.commit,
        notes: release.notes,
        created_at: release.createdAt,
      })
      .execute();
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new GantryError('RELEASE_EXISTS', `release ${release.app} ${release.version} already exists; releases are immutable, so pick a new version`, { where: 'version' });
    }
    throw error;
  }
}

export async function getRelease(db: Kysely<Database>, app: string, version: string): Promise<Release | null> {
  const row = await db.selectFrom('releases').selectAll().where('app', '=', app).where('version', '=', version).executeTakeFirst();
  return row ? toRelease(row) : null;
}

export async function listReleases(db: Kysely<Database>, app: string): Promise<Release[]> {
  const rows = await db.selectFrom('releases').selectAll().where('app', '=', app).orderBy('created_at', 'desc').orderBy('version', 'desc').execute();
  return rows.map(toRelease);
}
