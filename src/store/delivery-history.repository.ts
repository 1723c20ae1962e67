/**
 * What DORA metrics read (issue 10): every deployment of the applications looked at with its
 * release's commit and the moment trouble was first recorded, the commits those releases
 * brought, and the incidents. Read whole: "first shipped" needs the history before the period.
 */
import type { Kysely } from 'kysely';
import { DEPLOYMENT_STATES, type DeploymentState } from '../core/deployment/deployment-machine.js';
import { DEPLOYMENT_KINDS, type DeploymentKind } from '../core/model.js';
import type { DoraDeploymentRecord } from '../core/metrics/dora.js';
import type { CommitRecord } from '../core/release/commit-graph.js';
import { toCommit } from './release-commits.repository.js';
import { parseEnumColumn } from './row-parsing.js';
import type { Database } from './schema.js';

/** Events that say a deployment is in trouble: it failed, or began rolling back. */
const TROUBLE_EVENTS = ['deployment:failed', 'deployment:rolling-back'];

/** A deployment as DORA reads it, before its environment's tier is known (that is the manifest's). */
export type DeliveredDeployment = Omit<DoraDeploymentRecord, 'tier'>;

/** Deployments (of one app, or all), with their release's commit and first trouble event. */
export async function listDeliveredDeployments(db: Kysely<Database>, app?: string): Promise<DeliveredDeployment[]> {
  let query = db
    .selectFrom('deployments')
    .leftJoin('releases', (join) => join.onRef('releases.app', '=', 'deployments.app').onRef('releases.version', '=', 'deployments.version'))
    .select(['deployments.id', 'deployments.app', 'deployments.environment', 'deployments.version', 'deployments.kind', 'deployments.state', 'deployments.created_at', 'deployments.finished_at', 'releases.commit_sha'])
    .select((eb) =>
      eb
        .selectFrom('events')
        .select((inner) => inner.fn.min<string>('events.at').as('first'))
        .whereRef('events.deployment_id', '=', 'deployments.id')
        .where('events.type', 'in', TROUBLE_EVENTS)
        .as('trouble_at'),
    );
  if (app !== undefined) query = query.where('deployments.app', '=', app);
  const rows = await query.orderBy('deployments.created_at').orderBy('deployments.id').execute();
  return rows.map((row) => {
    const record = `deployment ${row.id}`;
    return {
      id: row.id,
      app: row.app,
      environment: row.environment,
      version: row.version,
      kind: parseEnumColumn(row.kind, DEPLOYMENT_KINDS, record, 'kind'),
      state: parseEnumColumn(row.state, DEPLOYMENT_STATES, record, 'state'),
      createdAt: row.created_at,
      finishedAt: row.finished_at,
      commit: row.commit_sha ?? null,
      troubleAt: row.trouble_at ?? null,
    };
  });
}

/** Per app, the commits its releases brought, by sha. */
export async function listReleaseCommitsByApp(db: Kysely<Database>, app?: string): Promise<Map<string, Map<string, CommitRecord>>> {
  let query = db.selectFrom('release_commits').selectAll();
  if (app !== undefined) query = query.where('app', '=', app);
  const byApp = new Map<string, Map<string, CommitRecord>>();
  for (const row of await query.execute()) {
    const commits = byApp.get(row.app) ?? new Map<string, CommitRecord>();
    byApp.set(row.app, commits);
    commits.set(row.sha, toCommit(row));
  }
  return byApp;
}
