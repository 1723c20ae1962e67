import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import { parseJsonColumn } from './row-parsing.js';

export interface StoredFacts {
  readonly facts: unknown;
  readonly reportedAt: string;
}

export interface FactChange {
  readonly path: string;
  readonly from: unknown;
  readonly to: unknown;
}

export async function getTargetFacts(db: Kysely<Database>, target: string): Promise<StoredFacts | null> {
  const row = await db.selectFrom('target_facts').selectAll().where('target', '=', target).executeTakeFirst();
  return row ? { facts: parseJsonColumn<unknown>(row.facts_json, `facts of ${target}`, 'facts'), reportedAt: row.reported_at } : null;
}

/** Stores the latest facts and, in the same transaction, what changed since the last report. */
export async function saveTargetFacts(db: Kysely<Database>, target: string, facts: unknown, at: string, changes: readonly FactChange[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const json = JSON.stringify(facts);
    await trx
      .insertInto('target_facts')
      .values({ target, facts_json: json, reported_at: at })
      .onConflict((conflict) => conflict.column('target').doUpdateSet({ facts_json: json, reported_at: at }))
      .execute();
    if (changes.length > 0) await trx.insertInto('target_fact_changes').values({ target, changes_json: JSON.stringify(changes), at }).execute();
  });
}

export async function listTargetFactChanges(db: Kysely<Database>, target: string, limit: number): Promise<{ at: string; changes: FactChange[] }[]> {
  const rows = await db.selectFrom('target_fact_changes').selectAll().where('target', '=', target).orderBy('seq', 'desc').limit(limit).execute();
  return rows.map((row) => ({ at: row.at, changes: parseJsonColumn<FactChange[]>(row.changes_json, `fact change ${row.seq}`, 'changes') }));
}

export async function deleteTargetFacts(db: Kysely<Database>, target: string): Promise<void> {
  await db.deleteFrom('target_facts').where('target', '=', target).execute();
  await db.deleteFrom('target_fact_changes').where('target', '=', target).execute();
}
