import { sql, type Kysely } from 'kysely';
import { DRIFT_STATES, type DriftRecord } from '../core/drift/model.js';
import { parseEnumColumn, parseJsonColumn } from './row-parsing.js';
import type { Database, DriftChecksTable } from './schema.js';

/** What a deployment last left on a target for an application. */
export interface TargetRelease {
  readonly target: string;
  readonly app: string;
  readonly environment: string;
  /** Null when the last thing done there was rolling back to nothing (no release is live). */
  readonly version: string | null;
}

/**
 * Per target × application, the release its last finished task left live: the deployment's
 * version when the task succeeded, the version it was on before when it was rolled back.
 */
export async function listTargetReleases(db: Kysely<Database>): Promise<TargetRelease[]> {
  const ranked = db
    .selectFrom('tasks')
    .innerJoin('deployments', 'deployments.id', 'tasks.deployment_id')
    .select(['tasks.target as target', 'deployments.app as app', 'deployments.environment as environment', 'deployments.version as version', 'tasks.state as state', 'tasks.previous_version as previous_version'])
    .select(sql<number>`row_number() over (partition by tasks.target, deployments.app order by tasks.updated_at desc, tasks.id desc)`.as('rank'))
    .where('tasks.state', 'in', ['succeeded', 'rolled_back'])
    // Only deployments of releases put files in release directories (not package patch rollouts).
    .where('deployments.kind', 'in', ['deploy', 'rollback']);
  const rows = await db.selectFrom(ranked.as('ranked')).selectAll().where('rank', '=', 1).orderBy('target').orderBy('app').execute();
  return rows.map((row) => ({ target: row.target, app: row.app, environment: row.environment, version: row.state === 'succeeded' ? row.version : row.previous_version }));
}

/** Deployments of releases of the app to the environment under way now (running, paused or rolling back); patch rollouts touch no release files. */
export async function listActiveDeployments(db: Kysely<Database>, app: string, environment: string): Promise<{ id: string; state: string }[]> {
  return db
    .selectFrom('deployments')
    .select(['id', 'state'])
    .where('app', '=', app)
    .where('environment', '=', environment)
    .where('state', 'in', ['running', 'paused', 'rolling_back'])
    .where('kind', 'in', ['deploy', 'rollback'])
    .orderBy('created_at')
    .execute();
}

function recordOf(row: DriftChecksTable): DriftRecord {
  const where = `drift check of ${row.app} on ${row.target}`;
  return {
    target: row.target,
    app: row.app,
    environment: row.environment,
    version: row.version,
    state: parseEnumColumn(row.state, DRIFT_STATES, where, 'state'),
    changed: parseJsonColumn<string[]>(row.changed_json, where, 'changed'),
    added: parseJsonColumn<string[]>(row.added_json, where, 'added'),
    removed: parseJsonColumn<string[]>(row.removed_json, where, 'removed'),
    packages: parseJsonColumn<string[]>(row.packages_json, where, 'packages'),
    firstSeenAt: row.first_seen_at,
    checkedAt: row.checked_at,
    unauthorised: row.unauthorised === 1,
    explanation: row.explanation,
    reason: row.reason,
  };
}

export async function getDriftRecord(db: Kysely<Database>, target: string, app: string): Promise<DriftRecord | null> {
  const row = await db.selectFrom('drift_checks').selectAll().where('target', '=', target).where('app', '=', app).executeTakeFirst();
  return row ? recordOf(row) : null;
}

export async function listDriftRecords(db: Kysely<Database>, filter: { readonly environment?: string; readonly target?: string } = {}): Promise<DriftRecord[]> {
  let query = db.selectFrom('drift_checks').selectAll();
  if (filter.environment !== undefined) query = query.where('environment', '=', filter.environment);
  if (filter.target !== undefined) query = query.where('target', '=', filter.target);
  return (await query.orderBy('environment').orderBy('target').orderBy('app').execute()).map(recordOf);
}

/** Creates or replaces the record of the target × application. */
export async function saveDriftRecord(db: Kysely<Database>, record: DriftRecord): Promise<void> {
  const values = {
    environment: record.environment,
    version: record.version,
    state: record.state,
    changed_json: JSON.stringify(record.changed),
    added_json: JSON.stringify(record.added),
    removed_json: JSON.stringify(record.removed),
    packages_json: JSON.stringify(record.packages),
    first_seen_at: record.firstSeenAt,
    checked_at: record.checkedAt,
    unauthorised: record.unauthorised ? 1 : 0,
    explanation: record.explanation,
    reason: record.reason,
  };
  await db
    .insertInto('drift_checks')
    .values({ target: record.target, app: record.app, ...values })
    .onConflict((conflict) => conflict.columns(['target', 'app']).doUpdateSet(values))
    .execute();
}

/** Drops the records of target × application pairs that have no live release any more. */
export async function deleteDriftRecords(db: Kysely<Database>, pairs: readonly { readonly target: string; readonly app: string }[]): Promise<void> {
  if (pairs.length === 0) return;
  await db.transaction().execute(async (trx) => {
    for (const pair of pairs) await trx.deleteFrom('drift_checks').where('target', '=', pair.target).where('app', '=', pair.app).execute();
  });
}
