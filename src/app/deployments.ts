import { checkControlRequest, type ControlRequest } from '../core/deployment/control.js';
import { isTerminalDeploymentState } from '../core/deployment/deployment-machine.js';
import { DEPLOYMENT_TIME_EVENT_TYPES, measureDeploymentTime, type DeploymentTime } from '../core/deployment/deployment-time.js';
import { GantryError } from '../core/errors.js';
import { parseManifest } from '../core/manifest/parse-manifest.js';
import type { AnalysisMeasurement, Deployment, DeploymentEventRecord, DeploymentKind, LogLine, Task } from '../core/model.js';
import { labelsMatch } from '../core/names.js';
import { isUniqueViolation } from '../store/constraint-errors.js';
import { pingDatabase } from '../store/database.js';
import * as deployments from '../store/deployments.repository.js';
import { listTargets } from '../store/targets.repository.js';
import type { Actor } from '../core/actor.js';
import type { AppDeps } from './app-deps.js';
import { authoriseDeployment, startImplementation } from './change-gate.js';
import { requireApplication } from './applications.js';
import { requireRelease } from './releases.js';

export interface DeploymentRequest {
  readonly app: string;
  readonly version: string;
  readonly environment: string;
  /** Overrides the lifecycle check; recorded on the deployment. */
  readonly force: boolean;
  /** The client's Idempotency-Key: the same key always answers with the same deployment. */
  readonly idempotencyKey?: string;
  /** The change request this deployment implements (`C-12`); in a protected environment one is found when omitted. */
  readonly change?: string | undefined;
}

export interface QueuedDeployment {
  readonly deployment: Deployment;
  /** Deployments of the same app and environment that run first, oldest first. */
  readonly waitingFor: readonly Deployment[];
}

/**
 * Queues a deployment after checking everything that can be known before it runs: the release
 * and environment exist, the lifecycle allows it, some target matches, and — in a protected
 * environment, or when a change is named — the change authorises `actor` to deploy it now. The
 * engine starts it when no other deployment of the app to that environment is active (first
 * in, first out). A rollback (`gantry rollback`) restores a release that already ran and is not
 * held to change control: it is how an incident is ended, and it is recorded like any deployment.
 */
export async function startDeployment(deps: AppDeps, actor: Actor, request: DeploymentRequest, kind: DeploymentKind = 'deploy'): Promise<QueuedDeployment> {
  const earlier = await findIdempotentRepeat(deps, request, kind);
  if (earlier) return earlier;
  await requireApplication(deps, request.app);
  const release = await requireRelease(deps, request.app, request.version);
  if (release.archivePrunedAt) {
    throw new GantryError(
      'RELEASE_ARCHIVE_PRUNED',
      `release ${release.app} ${release.version} cannot be deployed: retention deleted its archive at ${release.archivePrunedAt}; deploy a newer release, or create this content again under a new version`,
      { where: 'version', prunedAt: release.archivePrunedAt },
    );
  }
  const manifest = parseManifest(release.manifestSource, `release ${release.app} ${release.version}`);
  const environment = manifest.environments.find((candidate) => candidate.name === request.environment);
  if (!environment) {
    throw new GantryError('ENVIRONMENT_NOT_FOUND', `application ${request.app} has no environment ${request.environment} (it has ${manifest.environments.map((e) => e.name).join(', ')})`, { where: 'environment' });
  }
  if (kind === 'deploy' && !request.force) await checkLifecycle(deps, manifest.lifecycle ?? [], request);
  const targets = (await listTargets(deps.db)).filter((target) => labelsMatch(environment.targets, target.labels));
  if (targets.length === 0) {
    const selector = Object.entries(environment.targets).map(([key, value]) => `${key}=${value}`).join(', ');
    throw new GantryError('NO_MATCHING_TARGETS', `no registered target has the labels of environment ${environment.name} (${selector || 'no labels'}); add one with gantry target add`, { where: 'environment' });
  }
  const change = kind === 'deploy' && (environment.protected || request.change !== undefined) ? await authoriseDeployment(deps, actor, request, targets) : null;
  const now = deps.clock.now().toISOString();
  const id = deps.ids.next('d');
  const idempotencyKey = request.idempotencyKey ?? null;
  try {
    await deps.db.transaction().execute(async (trx) => {
      await deployments.insertDeployment(
        trx,
        { id, app: request.app, environment: request.environment, version: request.version, kind, forced: request.force, createdAt: now, idempotencyKey, changeId: change?.id ?? null },
        [{ type: 'deployment:queued', data: { kind, forced: request.force, by: actor.user, ...(change ? { change: change.id } : {}) } }],
      );
      if (change) await startImplementation(trx, change, actor, id, now);
    });
  } catch (error) {
    // A concurrent request with the same key won the race: answer with its deployment.
    const repeat = isUniqueViolation(error) ? await findIdempotentRepeat(deps, request, kind) : null;
    if (repeat) return repeat;
    throw error;
  }
  deps.wakeEngine();
  return withQueue(deps, deployments.assertDeploymentFound(await deployments.getDeployment(deps.db, id), id));
}

async function withQueue(deps: AppDeps, deployment: Deployment): Promise<QueuedDeployment> {
  return { deployment, waitingFor: deployment.state === 'queued' ? await deployments.listQueuedAhead(deps.db, deployment) : [] };
}

/** The deployment an earlier request with the same Idempotency-Key made, if any; a different request under the same key is refused. */
async function findIdempotentRepeat(deps: AppDeps, request: DeploymentRequest, kind: DeploymentKind): Promise<QueuedDeployment | null> {
  if (request.idempotencyKey === undefined) return null;
  const earlier = await deployments.findDeploymentByIdempotencyKey(deps.db, request.idempotencyKey);
  if (!earlier) return null;
  const same = earlier.app === request.app && earlier.version === request.version && earlier.environment === request.environment && earlier.kind === kind && earlier.forced === request.force;
  if (!same) {
    throw new GantryError('REQUEST_INVALID', `Idempotency-Key was already used for deployment ${earlier.id} (${earlier.app} ${earlier.version} to ${earlier.environment}); use a new key for a different request`, { where: 'Idempotency-Key' });
  }
  return withQueue(deps, earlier);
}

async function checkLifecycle(deps: AppDeps, lifecycle: readonly string[], request: DeploymentRequest): Promise<void> {
  const position = lifecycle.indexOf(request.environment);
  if (position <= 0) return;
  const previous = lifecycle[position - 1]!;
  if (!(await deployments.hasSucceeded(deps.db, request.app, previous, request.version))) {
    throw new GantryError(
      'LIFECYCLE_VIOLATION',
      `${request.app} ${request.version} has not succeeded in ${previous}, which comes before ${request.environment} in the lifecycle; deploy it there first (or pass --force, which is recorded)`,
      { where: 'environment' },
    );
  }
}

/** Redeploys the release that was live in the environment before the current one. */
export async function rollbackEnvironment(deps: AppDeps, actor: Actor, app: string, environment: string): Promise<QueuedDeployment> {
  await requireApplication(deps, app);
  const succeeded = await deployments.listSucceededVersions(deps.db, app, environment);
  const live = succeeded[0]?.version;
  const previous = succeeded.find((entry) => entry.version !== live)?.version;
  if (!previous) {
    throw new GantryError('NO_PREVIOUS_RELEASE', `${app} has no earlier successful release in ${environment} to roll back to${live ? ` (only ${live} has succeeded there)` : ''}`, { where: 'environment' });
  }
  return startDeployment(deps, actor, { app, version: previous, environment, force: false }, 'rollback');
}

export async function cancelDeployment(deps: AppDeps, id: string): Promise<Deployment> {
  const deployment = await requireDeployment(deps, id);
  if (isTerminalDeploymentState(deployment.state)) {
    throw new GantryError('DEPLOYMENT_FINISHED', `deployment ${id} already ended (${deployment.state})`, { where: 'id' });
  }
  if (deployment.state === 'rolling_back') {
    throw new GantryError('DEPLOYMENT_ROLLING_BACK', `deployment ${id} is rolling back; stopping half-way would leave targets on different releases`, { where: 'id' });
  }
  const now = deps.clock.now().toISOString();
  if (deployment.state !== 'queued' || !(await deployments.cancelQueued(deps.db, id, 'cancelled on request before it started', now))) {
    await deployments.requestCancel(deps.db, id, now);
  }
  deps.wakeEngine();
  return requireDeployment(deps, id);
}

/**
 * Asks the engine to promote, pause, resume or abort a deployment (see core/deployment/control).
 * An abort of a deployment that has not started cancels it: nothing was switched.
 */
export async function controlDeployment(deps: AppDeps, id: string, request: ControlRequest): Promise<Deployment> {
  const deployment = await requireDeployment(deps, id);
  const now = deps.clock.now().toISOString();
  const queuedAbort = checkControlRequest(id, deployment.state, request) === 'cancel-queued' && (await deployments.cancelQueued(deps.db, id, 'aborted on request before it started', now));
  if (!queuedAbort && !(await deployments.requestControl(deps.db, id, request))) {
    // The state moved on between the read and the write: answer for the state it is in now.
    checkControlRequest(id, (await requireDeployment(deps, id)).state, request);
  }
  deps.wakeEngine();
  return requireDeployment(deps, id);
}

export async function requireDeployment(deps: AppDeps, id: string): Promise<Deployment> {
  return deployments.assertDeploymentFound(await deployments.getDeployment(deps.db, id), id);
}

export interface DeploymentDetail {
  readonly deployment: Deployment;
  readonly tasks: readonly Task[];
  readonly waitingFor: readonly Deployment[];
  /** How long it took and how long targets were out of rotation, from its events. */
  readonly time: DeploymentTime;
}

export async function describeDeployment(deps: AppDeps, id: string): Promise<DeploymentDetail> {
  const deployment = await requireDeployment(deps, id);
  const timeline = await deployments.listEventsOfTypes(deps.db, id, DEPLOYMENT_TIME_EVENT_TYPES);
  return {
    deployment,
    tasks: await deployments.listTasks(deps.db, id),
    waitingFor: deployment.state === 'queued' ? await deployments.listQueuedAhead(deps.db, deployment) : [],
    time: measureDeploymentTime(deployment, timeline, deps.clock.now()),
  };
}

export async function listRecentDeployments(deps: AppDeps, filter: { app?: string; limit: number }): Promise<Deployment[]> {
  if (filter.app !== undefined) await requireApplication(deps, filter.app);
  return deployments.listDeployments(deps.db, filter);
}

export interface EnvironmentStatus {
  readonly environment: string;
  /** The version that last succeeded there: what the targets run. */
  readonly liveVersion: string | null;
  readonly liveSince: string | null;
  readonly latest: Deployment | null;
}

/** Each environment of an application with its live version and its latest deployment. */
export async function applicationStatus(deps: AppDeps, app: string): Promise<EnvironmentStatus[]> {
  const application = await requireApplication(deps, app);
  return Promise.all(
    application.manifest.environments.map(async ({ name }) => {
      const [latest] = await deployments.listDeployments(deps.db, { app, environment: name, limit: 1 });
      const [live] = await deployments.listSucceededVersions(deps.db, app, name);
      return { environment: name, liveVersion: live?.version ?? null, liveSince: live?.finishedAt ?? null, latest: latest ?? null };
    }),
  );
}

export async function readEvents(deps: AppDeps, id: string, afterSeq: number): Promise<DeploymentEventRecord[]> {
  return deployments.listEvents(deps.db, id, afterSeq);
}

export async function readMeasurements(deps: AppDeps, id: string, afterSeq: number): Promise<AnalysisMeasurement[]> {
  return deployments.listMeasurements(deps.db, id, afterSeq);
}

export async function readLogs(deps: AppDeps, id: string, afterSeq: number): Promise<LogLine[]> {
  return deployments.listLogs(deps.db, id, afterSeq);
}

/** Answers whether the store is reachable (for /healthz). */
export function storeIsReachable(deps: AppDeps): Promise<boolean> {
  return pingDatabase(deps.db);
}
