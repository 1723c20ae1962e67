import type { Kysely } from 'kysely';
import { parseJsonColumn } from './row-parsing.js';
import type { Database } from './schema.js';

/** An advisory as stored: the OSV record as imported, and what reports sort by. */
export interface StoredAdvisory {
  readonly id: string;
  readonly severity: string;
  readonly published: string | null;
  readonly modified: string;
  readonly record: unknown;
  readonly importedAt: string;
}

export interface AdvisoryImport {
  readonly created: string[];
  readonly updated: string[];
  readonly unchanged: string[];
}

/**
 * Stores advisories in one transaction: a new id is created, a record with a later `modified`
 * replaces the stored one, anything else is left as it is (importing the same feed twice changes
 * nothing).
 */
export async function saveAdvisories(db: Kysely<Database>, advisories: readonly StoredAdvisory[]): Promise<AdvisoryImport> {
  return db.transaction().execute(async (trx) => {
    const outcome: AdvisoryImport = { created: [], updated: [], unchanged: [] };
    for (const advisory of advisories) {
      const row = { id: advisory.id, severity: advisory.severity, published: advisory.published, modified: advisory.modified, record_json: JSON.stringify(advisory.record), imported_at: advisory.importedAt };
      const stored = await trx.selectFrom('advisories').select('modified').where('id', '=', advisory.id).executeTakeFirst();
      if (!stored) {
        await trx.insertInto('advisories').values(row).execute();
        outcome.created.push(advisory.id);
      } else if (Date.parse(advisory.modified) > Date.parse(stored.modified)) {
        await trx.updateTable('advisories').set(row).where('id', '=', advisory.id).execute();
        outcome.updated.push(advisory.id);
      } else {
        outcome.unchanged.push(advisory.id);
      }
    }
    return outcome;
  });
}

export async function listAdvisories(db: Kysely<Database>): Promise<StoredAdvisory[]> {
  const rows = await db.selectFrom('advisories').selectAll().orderBy('id').execute();
  return rows.map((row) => ({
    id: row.id,
    severity: row.severity,
    published: row.published,
    modified: row.modified,
    record: parseJsonColumn<unknown>(row.record_json, `advisory ${row.id}`, 'record'),
    importedAt: row.imported_at,
  }));
}

/** `target` → advisory → when the pair was first seen affected. */
export async function listSightings(db: Kysely<Database>): Promise<Map<string, Map<string, string>>> {
  const sightings = new Map<string, Map<string, string>>();
  for (const row of await db.selectFrom('exposure_sightings').selectAll().execute()) {
    const ofTarget = sightings.get(row.target) ?? new Map<string, string>();
    ofTarget.set(row.advisory, row.first_seen_at);
    sightings.set(row.target, ofTarget);
  }
  return sightings;
}

/**
 * Records what a look at the targets found: pairs now affected are first seen `at` unless already
 * seen (a concurrent look keeps the earlier time), pairs no longer affected are forgotten.
 */
export async function recordSightings(db: Kysely<Database>, affected: readonly { target: string; advisory: string }[], cleared: readonly { target: string; advisory: string }[], at: string): Promise<void> {
  if (affected.length === 0 && cleared.length === 0) return;
  await db.transaction().execute(async (trx) => {
    for (let start = 0; start < affected.length; start += 500) {
      const rows = affected.slice(start, start + 500).map(({ target, advisory }) => ({ target, advisory, first_seen_at: at }));
      await trx.insertInto('exposure_sightings').values(rows).onConflict((conflict) => conflict.columns(['target', 'advisory']).doNothing()).execute();
    }
    for (const { target, advisory } of cleared) await trx.deleteFrom('exposure_sightings').where('target', '=', target).where('advisory', '=', advisory).execute();
  });
}
