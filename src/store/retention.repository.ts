import { sql, type Kysely, type Transaction } from 'kysely';
import type { DeploymentState } from '../core/deployment/deployment-machine.js';
import { TERMINAL_DEPLOYMENT_STATES } from '../core/deployment/deployment-machine.js';
import { TERMINAL_CHANGE_STATES } from '../core/change/change-machine.js';
import type { RetentionDeployment, RetentionHold } from '../core/retention/plan.js';
import { DEFAULT_RETENTION_RULES, type RetentionPolicy, type RetentionRules } from '../core/retention/policy.js';
import type { Database } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

/** The scope of the installation-wide row; every other scope is an application name. */
export const INSTALLATION_SCOPE = '*';

export type StoredRules = { readonly [K in keyof RetentionRules]: number | null };

function rulesOf(row: { keep_releases: number | null; keep_release_days: number | null; keep_log_days: number | null; keep_log_deployments: number | null }): Partial<RetentionRules> {
  const rules: { -readonly [K in keyof RetentionRules]?: number } = {};
  if (row.keep_releases !== null) rules.keepReleases = Number(row.keep_releases);
  if (row.keep_release_days !== null) rules.keepReleaseDays = Number(row.keep_release_days);
  if (row.keep_log_days !== null) rules.keepLogDays = Number(row.keep_log_days);
  if (row.keep_log_deployments !== null) rules.keepLogDeployments = Number(row.keep_log_deployments);
  return rules;
}

export interface StoredRetentionPolicy {
  readonly policy: RetentionPolicy;
  /** When and by whom it was last set; null: never set (the defaults apply). */
  readonly updatedAt: string | null;
  readonly updatedBy: string | null;
}

export async function readRetentionPolicy(db: Db): Promise<StoredRetentionPolicy> {
  const rows = await db.selectFrom('retention_policies').selectAll().orderBy('scope').execute();
  const installation = rows.find((row) => row.scope === INSTALLATION_SCOPE);
  const overrides: Record<string, Partial<RetentionRules>> = {};
  for (const row of rows) if (row.scope !== INSTALLATION_SCOPE) overrides[row.scope] = rulesOf(row);
  const latest = [...rows].sort((a, b) => b.updated_at.localeCompare(a.updated_at))[0];
  return {
    policy: { installation: { ...DEFAULT_RETENTION_RULES, ...(installation ? rulesOf(installation) : {}) }, overrides },
    updatedAt: latest?.updated_at ?? null,
    updatedBy: latest?.updated_by ?? null,
  };
}

/** Replaces the whole policy (one transaction): the installation's rules and exactly these overrides. */
export async function replaceRetentionPolicy(db: Kysely<Database>, policy: RetentionPolicy, at: string, by: string): Promise<void> {
  const row = (scope: string, rules: Partial<RetentionRules>) => ({
    scope,
    keep_releases: rules.keepReleases ?? null,
    keep_release_days: rules.keepReleaseDays ?? null,
    keep_log_days: rules.keepLogDays ?? null,
    keep_log_deployments: rules.keepLogDeployments ?? null,
    updated_at: at,
    updated_by: by,
  });
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('retention_policies').execute();
    await trx.insertInto('retention_policies').values([row(INSTALLATION_SCOPE, policy.installation), ...Object.entries(policy.overrides).map(([app, rules]) => row(app, rules))]).execute();
  });
}

export interface RetentionReleaseRow {
  readonly app: string;
  readonly version: string;
  readonly digest: string;
  readonly createdAt: string;
  readonly archivePrunedAt: string | null;
}

export async function listRetentionReleases(db: Db): Promise<RetentionReleaseRow[]> {
  const rows = await db.selectFrom('releases').select(['app', 'version', 'digest', 'created_at', 'archive_pruned_at']).orderBy('app').orderBy('version').execute();
  return rows.map((row) => ({ app: row.app, version: row.version, digest: row.digest, createdAt: row.created_at, archivePrunedAt: row.archive_pruned_at }));
}

/** Every deployment with how many log lines it has. */
export async function listRetentionDeployments(db: Db): Promise<RetentionDeployment[]> {
  const counts = db.selectFrom('logs').select(['deployment_id', sql<number>`count(*)`.as('lines')]).groupBy('deployment_id').as('counts');
  const rows = await db
    .selectFrom('deployments')
    .leftJoin(counts, 'counts.deployment_id', 'deployments.id')
    .select(['deployments.id', 'deployments.app', 'deployments.environment', 'deployments.version', 'deployments.kind', 'deployments.state', 'deployments.created_at', 'deployments.finished_at', 'counts.lines'])
    .execute();
  return rows.map((row) => ({
    id: row.id,
    app: row.app,
    environment: row.environment,
    version: row.version,
    kind: row.kind,
    state: row.state as DeploymentState,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    logLines: Number(row.lines ?? 0),
  }));
}

/** Releases named by a change request that is not closed, cancelled or rejected: it may still deploy them. */
export async function listOpenChangeHolds(db: Db): Promise<RetentionHold[]> {
  const rows = await db.selectFrom('changes').select(['number', 'app', 'version']).where('state', 'not in', [...TERMINAL_CHANGE_STATES]).execute();
  return rows.map((row) => ({ app: row.app, version: row.version, reason: `named by open change C-${row.number}` }));
}

/**
 * Marks releases pruned, unless an unfinished deployment uses one by now (it started after the
 * plan was made). Already pruned ones are left as they are, so two nodes may run this at once.
 * Returns the releases this call marked.
 */
export async function markReleasesPruned(db: Kysely<Database>, releases: readonly { readonly app: string; readonly version: string }[], at: string): Promise<{ app: string; version: string }[]> {
  if (releases.length === 0) return [];
  return db.transaction().execute(async (trx) => {
    const marked: { app: string; version: string }[] = [];
    for (const release of releases) {
      const result = await trx
        .updateTable('releases')
        .set({ archive_pruned_at: at })
        .where('app', '=', release.app)
        .where('version', '=', release.version)
        .where('archive_pruned_at', 'is', null)
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('deployments').select('id').where('deployments.app', '=', release.app).where('deployments.version', '=', release.version).where('deployments.state', 'not in', [...TERMINAL_DEPLOYMENT_STATES]))),
        )
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) > 0) marked.push({ app: release.app, version: release.version });
    }
    return marked;
  });
}

/** How many releases with this digest still keep their archive. */
export async function countReleasesKeepingDigest(db: Db, digest: string): Promise<number> {
  const row = await db.selectFrom('releases').select(sql<number>`count(*)`.as('n')).where('digest', '=', digest).where('archive_pruned_at', 'is', null).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Deletes the log lines of these deployments, if they have ended; returns how many lines went. */
export async function deleteDeploymentLogs(db: Db, deploymentIds: readonly string[]): Promise<number> {
  if (deploymentIds.length === 0) return 0;
  const result = await db
    .deleteFrom('logs')
    .where('deployment_id', 'in', [...deploymentIds])
    .where('deployment_id', 'in', (query) => query.selectFrom('deployments').select('id').where('id', 'in', [...deploymentIds]).where('state', 'in', [...TERMINAL_DEPLOYMENT_STATES]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
