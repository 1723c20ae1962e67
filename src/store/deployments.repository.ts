import { sql, type Kysely, type Selectable, type Transaction, type Updateable } from 'kysely';
import { CONTROL_REQUESTS, type ControlRequest } from '../core/deployment/control.js';
import { DEPLOYMENT_STATES, transitionDeployment, type DeploymentState } from '../core/deployment/deployment-machine.js';
import { DEPLOY_STEPS, PATCH_STEPS, ROLLBACK_STEPS, TASK_STATES, type StepName } from '../core/deployment/task-machine.js';
import { GantryError } from '../core/errors.js';
import type { MeasurementPhase } from '../core/analysis/verdict.js';
import { DEPLOYMENT_KINDS, type AnalysisMeasurement, type Deployment, type DeploymentEventRecord, type DeploymentKind, type LogLine, type LogStream, type PatchOrder, type StepError, type Task } from '../core/model.js';
import type { MeasurementRecord } from '../engine/analysis/run-analysis.js';
import type { Slot } from '../core/manifest/schema.js';
import type { RolloutPlan } from '../core/rollout/plan-batches.js';
import { LeaseLostError, type DeploymentChange, type Lease, type NewEvent, type NewLogLine, type NewTask, type PendingControl, type TaskChange } from '../engine/ports.js';
import { parseEnumColumn, parseJsonColumn } from './row-parsing.js';
import type { Database, DeploymentsTable, TasksTable } from './schema.js';

const STEP_NAMES: readonly StepName[] = [...new Set<StepName>([...DEPLOY_STEPS, ...ROLLBACK_STEPS, ...PATCH_STEPS])];
/** States in which a run holds a lease and advances the deployment. */
const LEASED_STATES: readonly DeploymentState[] = ['running', 'rolling_back'];
/** States that hold the app/environment: no other deployment of it starts meanwhile. */
const ACTIVE_STATES: readonly DeploymentState[] = [...LEASED_STATES, 'paused'];
const LOG_STREAMS: readonly LogStream[] = ['stdout', 'stderr', 'gantry'];

function toDeployment(row: Selectable<DeploymentsTable>): Deployment {
  const record = `deployment ${row.id}`;
  return {
    id: row.id,
    app: row.app,
    environment: row.environment,
    version: row.version,
    kind: parseEnumColumn(row.kind, DEPLOYMENT_KINDS, record, 'kind'),
    state: parseEnumColumn(row.state, DEPLOYMENT_STATES, record, 'state'),
    reason: row.reason,
    plan: row.plan_json === null ? null : parseJsonColumn<RolloutPlan>(row.plan_json, record, 'plan'),
    currentBatch: row.current_batch,
    forced: row.forced === 1,
    controlRequest: row.control_request === null ? null : parseEnumColumn(row.control_request, CONTROL_REQUESTS, record, 'control_request'),
    resumeAt: row.resume_at,
    nextGate: row.next_gate,
    changeId: row.change_id,
    ...(row.patch_json === null ? {} : { patch: parseJsonColumn<PatchOrder>(row.patch_json, record, 'patch') }),
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

function toTask(row: Selectable<TasksTable>): Task {
  const record = `task ${row.id}`;
  return {
    id: row.id,
    deploymentId: row.deployment_id,
    target: row.target,
    batch: row.batch,
    state: parseEnumColumn(row.state, TASK_STATES, record, 'state'),
    step: row.step === null ? null : parseEnumColumn(row.step, STEP_NAMES, record, 'step'),
    stepDone: row.step_done === 1,
    attempt: row.attempt,
    previousVersion: row.previous_version,
    error: row.error_json === null ? null : parseJsonColumn<StepError>(row.error_json, record, 'error'),
    updatedAt: row.updated_at,
  };
}

export function activeKeyOf(app: string, environment: string): string {
  return `${app}/${environment}`;
}

export interface NewDeployment {
  readonly id: string;
  readonly app: string;
  readonly environment: string;
  readonly version: string;
  readonly kind: DeploymentKind;
  readonly forced: boolean;
  readonly createdAt: string;
  readonly idempotencyKey: string | null;
  readonly changeId?: string | null;
  readonly patch?: PatchOrder;
}

export async function insertDeployment(db: Kysely<Database>, deployment: NewDeployment, events: readonly NewEvent[]): Promise<void> {
  await db
    .insertInto('deployments')
    .values({
      id: deployment.id,
      app: deployment.app,
      environment: deployment.environment,
      version: deployment.version,
      kind: deployment.kind,
      state: 'queued',
      current_batch: 0,
      forced: deployment.forced ? 1 : 0,
      created_at: deployment.createdAt,
      idempotency_key: deployment.idempotencyKey,
      change_id: deployment.changeId ?? null,
      patch_json: deployment.patch ? JSON.stringify(deployment.patch) : null,
      lease_token: 0,
    })
    .execute();
  await appendEvents(db, deployment.id, events, deployment.createdAt);
}

export async function getDeployment(db: Kysely<Database>, id: string): Promise<Deployment | null> {
  const row = await db.selectFrom('deployments').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toDeployment(row) : null;
}

export async function findDeploymentByIdempotencyKey(db: Kysely<Database>, key: string): Promise<Deployment | null> {
  const row = await db.selectFrom('deployments').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
  return row ? toDeployment(row) : null;
}

export async function listDeployments(db: Kysely<Database>, filter: { app?: string; environment?: string; limit: number }): Promise<Deployment[]> {
  let query = db.selectFrom('deployments').selectAll();
  if (filter.app !== undefined) query = query.where('app', '=', filter.app);
  if (filter.environment !== undefined) query = query.where('environment', '=', filter.environment);
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
  return rows.map(toDeployment);
}

/**
 * For every app × environment at once (the dashboard): its latest deployment, or with
 * `succeeded` its latest successful one (by finish: what its targets run). One query.
 */
export async function listLatestPerEnvironment(db: Kysely<Database>, which: { readonly succeeded: boolean }): Promise<Deployment[]> {
  const order = which.succeeded ? sql`finished_at desc, id desc` : sql`created_at desc, id desc`;
  let ranked = db.selectFrom('deployments').selectAll().select(sql<number>`row_number() over (partition by app, environment order by ${order})`.as('rank'));
  if (which.succeeded) ranked = ranked.where('state', '=', 'succeeded');
  const rows = await db.selectFrom(ranked.as('ranked')).selectAll().where('rank', '=', 1).execute();
  return rows.map(toDeployment);
}

/** Queued deployments of one app/environment created before the given one, oldest first. */
export async function listQueuedAhead(db: Kysely<Database>, deployment: Deployment): Promise<Deployment[]> {
  const rows = await db
    .selectFrom('deployments')
    .selectAll()
    .where('app', '=', deployment.app)
    .where('environment', '=', deployment.environment)
    .where((eb) => eb.or([eb('state', 'in', ACTIVE_STATES), eb.and([eb('state', '=', 'queued'), eb('created_at', '<', deployment.createdAt)])]))
    .where('id', '!=', deployment.id)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toDeployment);
}

export async function listTasks(db: Kysely<Database>, deploymentId: string): Promise<Task[]> {
  const rows = await db.selectFrom('tasks').selectAll().where('deployment_id', '=', deploymentId).orderBy('batch').orderBy('target').execute();
  return rows.map(toTask);
}

/** Versions that reached `succeeded` in an environment, newest first (one entry per deployment). */
export async function listSucceededVersions(db: Kysely<Database>, app: string, environment: string): Promise<{ version: string; finishedAt: string }[]> {
  const rows = await db
    .selectFrom('deployments')
    .select(['version', 'finished_at'])
    .where('app', '=', app)
    .where('environment', '=', environment)
    .where('state', '=', 'succeeded')
    .orderBy('finished_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return rows.map((row) => ({ version: row.version, finishedAt: row.finished_at ?? '' }));
}

/** Blue-green: the slot the environment's last successful deployment switched to (null if it used none). */
export async function liveSlot(db: Kysely<Database>, app: string, environment: string): Promise<Slot | null> {
  const row = await db
    .selectFrom('deployments')
    .select(['id', 'plan_json'])
    .where('app', '=', app)
    .where('environment', '=', environment)
    .where('state', '=', 'succeeded')
    .orderBy('finished_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (!row?.plan_json) return null;
  return parseJsonColumn<RolloutPlan>(row.plan_json, `deployment ${row.id}`, 'plan').slot ?? null;
}

export async function hasSucceeded(db: Kysely<Database>, app: string, environment: string, version: string): Promise<boolean> {
  const row = await db
    .selectFrom('deployments')
    .select('id')
    .where('app', '=', app)
    .where('environment', '=', environment)
    .where('version', '=', version)
    .where('state', '=', 'succeeded')
    .executeTakeFirst();
  return row !== undefined;
}

/** Whether any active deployment includes the target. */
export async function isTargetInActiveDeployment(db: Kysely<Database>, target: string): Promise<boolean> {
  const row = await db
    .selectFrom('tasks')
    .innerJoin('deployments', 'deployments.id', 'tasks.deployment_id')
    .select('tasks.id')
    .where('tasks.target', '=', target)
    .where('deployments.state', 'in', ACTIVE_STATES)
    .executeTakeFirst();
  return row !== undefined;
}

export async function requestCancel(db: Kysely<Database>, id: string, now: string): Promise<void> {
  await db.updateTable('deployments').set({ cancel_requested_at: now }).where('id', '=', id).where('cancel_requested_at', 'is', null).execute();
}

/** Cancels a deployment that has not started; returns false if it started meanwhile. */
export async function cancelQueued(db: Kysely<Database>, id: string, reason: string, now: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('deployments')
      .set({ state: transitionDeployment('queued', 'cancel'), reason, finished_at: now, cancel_requested_at: now })
      .where('id', '=', id)
      .where('state', '=', 'queued')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return false;
    await appendEvents(trx, id, [{ type: 'deployment:cancelled', data: { reason } }], now);
    return true;
  });
}

/**
 * Stores a promote, pause, resume or abort for the engine. An abort already asked for is not
 * replaced by anything milder. Returns false if the deployment left the states that take requests.
 */
export async function requestControl(db: Kysely<Database>, id: string, request: ControlRequest): Promise<boolean> {
  const result = await db
    .updateTable('deployments')
    .set({ control_request: request })
    .where('id', '=', id)
    .where('state', 'in', ['queued', 'running', 'paused'])
    .where((eb) => eb.or([eb('control_request', 'is', null), eb('control_request', '!=', 'abort')]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Requests waiting to be acted on; once a deployment rolls back, a late cancel or request no longer applies. */
export async function readControl(db: Kysely<Database>, id: string): Promise<PendingControl> {
  const row = await db.selectFrom('deployments').select(['cancel_requested_at', 'control_request', 'state']).where('id', '=', id).executeTakeFirst();
  const open = row !== undefined && (row.state === 'running' || row.state === 'paused');
  return {
    cancel: open && row.cancel_requested_at !== null,
    request: open && row.control_request !== null ? parseEnumColumn(row.control_request, CONTROL_REQUESTS, `deployment ${id}`, 'control_request') : null,
  };
}

/**
 * Claims one deployment for `owner`. Every write is a compare-and-set on the lease token, so two
 * nodes racing for the same row cannot both win; on PostgreSQL (`skipLocked`) the candidate is
 * also read `FOR UPDATE SKIP LOCKED`, so a node passes over a row another node is claiming
 * instead of waiting for it and losing.
 */
export async function claimDeployment(
  db: Kysely<Database>,
  owner: string,
  times: () => ClaimTimes,
  options: { readonly skipLocked: boolean } = { skipLocked: false },
): Promise<Lease | null> {
  return db.transaction().execute(async (trx) => {
    // Read the clock inside the transaction: a claim that waited for the one before it to commit
    // (the previous deployment finishing) must not start before that one finished.
    const { now, leaseExpiresAt } = times();
    return (await takeOverExpired(trx, owner, now, leaseExpiresAt, options.skipLocked)) ?? (await startOldestQueued(trx, owner, now, leaseExpiresAt, options.skipLocked));
  });
}

/** When a claim happens, and until when its lease lasts (ISO timestamps). */
export interface ClaimTimes {
  readonly now: string;
  readonly leaseExpiresAt: string;
}

async function takeOverExpired(trx: Transaction<Database>, owner: string, now: string, leaseExpiresAt: string, skipLocked: boolean): Promise<Lease | null> {
  const candidate = await trx
    .selectFrom('deployments')
    .select(['id', 'lease_token', 'lease_owner'])
    .where((eb) =>
      eb.or([
        eb.and([eb('state', 'in', LEASED_STATES), eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', now)])]),
        // A paused deployment holds no lease: it is taken up when its time comes or someone asks.
        eb.and([
          eb('state', '=', 'paused'),
          eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', now)]),
          eb.or([eb('resume_at', '<=', now), eb('control_request', 'is not', null), eb('cancel_requested_at', 'is not', null)]),
        ]),
      ]),
    )
    .orderBy('created_at')
    .limit(1)
    .$if(skipLocked, (query) => query.forUpdate().skipLocked())
    .executeTakeFirst();
  if (!candidate) return null;
  const token = candidate.lease_token + 1;
  const result = await trx
    .updateTable('deployments')
    .set({ lease_owner: owner, lease_expires_at: leaseExpiresAt, lease_token: token })
    .where('id', '=', candidate.id)
    .where('lease_token', '=', candidate.lease_token)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return null;
  await appendEvents(trx, candidate.id, [{ type: 'deployment:resumed', data: { owner, previousOwner: candidate.lease_owner, leaseToken: token } }], now);
  return { deploymentId: candidate.id, owner, token };
}

async function startOldestQueued(trx: Transaction<Database>, owner: string, now: string, leaseExpiresAt: string, skipLocked: boolean): Promise<Lease | null> {
  const candidate = await trx
    .selectFrom('deployments as queued')
    .select(['queued.id', 'queued.app', 'queued.environment', 'queued.lease_token'])
    .where('queued.state', '=', 'queued')
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('deployments as earlier')
            .select('earlier.id')
            .whereRef('earlier.app', '=', 'queued.app')
            .whereRef('earlier.environment', '=', 'queued.environment')
            .where((eb) =>
              eb.or([
                eb('earlier.state', 'in', ACTIVE_STATES),
                eb.and([eb('earlier.state', '=', 'queued'), eb.or([eb('earlier.created_at', '<', eb.ref('queued.created_at')), eb.and([eb('earlier.created_at', '=', eb.ref('queued.created_at')), eb('earlier.id', '<', eb.ref('queued.id'))])])]),
              ]),
            ),
        ),
      ),
    )
    .orderBy('queued.created_at')
    .orderBy('queued.id')
    .limit(1)
    .$if(skipLocked, (query) => query.forUpdate().skipLocked())
    .executeTakeFirst();
  if (!candidate) return null;
  const token = candidate.lease_token + 1;
  const result = await trx
    .updateTable('deployments')
    .set({
      state: transitionDeployment('queued', 'start'),
      started_at: now,
      active_key: activeKeyOf(candidate.app, candidate.environment),
      lease_owner: owner,
      lease_expires_at: leaseExpiresAt,
      lease_token: token,
    })
    .where('id', '=', candidate.id)
    .where('state', '=', 'queued')
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return null;
  await appendEvents(trx, candidate.id, [{ type: 'deployment:started', data: { owner } }], now);
  return { deploymentId: candidate.id, owner, token };
}

export async function renewLease(db: Kysely<Database>, lease: Lease, leaseExpiresAt: string): Promise<boolean> {
  const result = await db
    .updateTable('deployments')
    .set({ lease_expires_at: leaseExpiresAt })
    .where('id', '=', lease.deploymentId)
    .where('lease_token', '=', lease.token)
    // A run that paused the deployment let go of it: its heartbeat must not take it back.
    .where('lease_owner', '=', lease.owner)
    .where('state', 'in', ACTIVE_STATES)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function expireLeases(db: Kysely<Database>, ownerPrefix: string, now: string): Promise<number> {
  const result = await db
    .updateTable('deployments')
    .set({ lease_expires_at: now })
    .where('lease_owner', 'like', `${ownerPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
    .where('state', 'in', ACTIVE_STATES)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function recordDeployment(
  db: Kysely<Database>,
  lease: Lease,
  change: DeploymentChange,
  events: readonly NewEvent[],
  at: string,
  newTasks: readonly NewTask[] = [],
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const set: Updateable<DeploymentsTable> = {};
    if (change.state !== undefined) {
      set.state = change.state;
      if (!ACTIVE_STATES.includes(change.state)) set.active_key = null;
    }
    const letGo = change.state !== undefined && !LEASED_STATES.includes(change.state) && !(change.state === 'paused' && change.keepLease);
    if (letGo || change.handOver) {
      // Paused or ended: nobody advances it now. A hand-over also raises the fencing token, so
      // this run can write nothing more and any node (this one too) takes it up at once.
      set.lease_owner = null;
      set.lease_expires_at = null;
      if (change.handOver) set.lease_token = lease.token + 1;
    }
    if (change.resumeAt !== undefined) set.resume_at = change.resumeAt;
    if (change.nextGate !== undefined) set.next_gate = change.nextGate;
    if (change.reason !== undefined) set.reason = change.reason;
    if (change.plan !== undefined) set.plan_json = JSON.stringify(change.plan);
    if (change.currentBatch !== undefined) set.current_batch = change.currentBatch;
    if (change.startedAt !== undefined) set.started_at = change.startedAt;
    if (change.finishedAt !== undefined) set.finished_at = change.finishedAt;
    const result = await trx
      .updateTable('deployments')
      .set(Object.keys(set).length > 0 ? set : { lease_token: lease.token })
      .where('id', '=', lease.deploymentId)
      .where('lease_token', '=', lease.token)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw new LeaseLostError(lease.deploymentId);
    if (change.consumedRequest !== undefined) {
      // Only the request that was acted on: one made since stays for the next boundary.
      await trx.updateTable('deployments').set({ control_request: null }).where('id', '=', lease.deploymentId).where('control_request', '=', change.consumedRequest).execute();
    }
    for (const chunk of rowChunks(newTasks)) {
      await trx
        .insertInto('tasks')
        .values(
          chunk.map((task) => ({
            id: taskIdOf(lease.deploymentId, task.target),
            deployment_id: lease.deploymentId,
            target: task.target,
            batch: task.batch,
            state: 'pending',
            step_done: 0,
            attempt: 0,
            updated_at: at,
          })),
        )
        .execute();
    }
    await appendEvents(trx, lease.deploymentId, events, at);
  });
}

export function taskIdOf(deploymentId: string, target: string): string {
  return `${deploymentId}/${target}`;
}

export async function recordTask(db: Kysely<Database>, lease: Lease, taskId: string, change: TaskChange, events: readonly NewEvent[], at: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const set: Updateable<TasksTable> = { updated_at: at };
    if (change.state !== undefined) set.state = change.state;
    if (change.step !== undefined) set.step = change.step;
    if (change.stepDone !== undefined) set.step_done = change.stepDone ? 1 : 0;
    if (change.attempt !== undefined) set.attempt = change.attempt;
    if (change.previousVersion !== undefined) set.previous_version = change.previousVersion;
    if (change.error !== undefined) set.error_json = change.error === null ? null : JSON.stringify(change.error);
    const result = await trx
      .updateTable('tasks')
      .set(set)
      .where('id', '=', taskId)
      .where(({ exists, selectFrom }) =>
        exists(selectFrom('deployments').select('id').where('id', '=', lease.deploymentId).where('lease_token', '=', lease.token)),
      )
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw new LeaseLostError(lease.deploymentId);
    await appendEvents(trx, lease.deploymentId, events, at);
  });
}

/**
 * Splits rows for multi-row INSERTs: SQLite allows at most 32,766 bound values per statement
 * (PostgreSQL 65,535), so a deployment to thousands of targets is inserted a few hundred rows
 * at a time (within the caller's transaction).
 */
function rowChunks<T>(rows: readonly T[], size = 500): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < rows.length; start += size) chunks.push(rows.slice(start, start + size));
  return chunks;
}

async function appendEvents(db: Kysely<Database>, deploymentId: string, events: readonly NewEvent[], at: string): Promise<void> {
  for (const chunk of rowChunks(events)) {
    await db
      .insertInto('events')
      .values(chunk.map((event) => ({ deployment_id: deploymentId, target: event.target ?? null, type: event.type, data_json: JSON.stringify(event.data ?? {}), at })))
      .execute();
  }
}

/** The strategy each deployment was planned with (from its `deployment:planned` event); deployments never planned are absent. */
export async function plannedStrategies(db: Kysely<Database>, deploymentIds: readonly string[]): Promise<Map<string, string>> {
  const strategies = new Map<string, string>();
  if (deploymentIds.length === 0) return strategies;
  const rows = await db.selectFrom('events').select(['deployment_id', 'seq', 'data_json']).where('deployment_id', 'in', deploymentIds).where('type', '=', 'deployment:planned').execute();
  for (const row of rows) {
    const strategy = parseJsonColumn<{ strategy?: unknown }>(row.data_json, `event ${row.seq}`, 'data').strategy;
    if (typeof strategy === 'string') strategies.set(row.deployment_id, strategy);
  }
  return strategies;
}

export async function listEvents(db: Kysely<Database>, deploymentId: string, afterSeq: number, limit = 1000): Promise<DeploymentEventRecord[]> {
  const rows = await db
    .selectFrom('events')
    .selectAll()
    .where('deployment_id', '=', deploymentId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    seq: Number(row.seq),
    deploymentId: row.deployment_id,
    target: row.target,
    type: row.type,
    data: parseJsonColumn<Record<string, unknown>>(row.data_json, `event ${row.seq}`, 'data'),
    at: row.at,
  }));
}

/** A deployment's events of the given types, in order: the timeline its time is measured from (no page limit). */
export async function listEventsOfTypes(db: Kysely<Database>, deploymentId: string, types: readonly string[]): Promise<DeploymentEventRecord[]> {
  if (types.length === 0) return [];
  const rows = await db.selectFrom('events').selectAll().where('deployment_id', '=', deploymentId).where('type', 'in', [...types]).orderBy('seq').execute();
  return rows.map((row) => ({
    seq: Number(row.seq),
    deploymentId: row.deployment_id,
    target: row.target,
    type: row.type,
    data: parseJsonColumn<Record<string, unknown>>(row.data_json, `event ${row.seq}`, 'data'),
    at: row.at,
  }));
}

export async function appendLogs(db: Kysely<Database>, lines: readonly NewLogLine[]): Promise<void> {
  if (lines.length === 0) return;
  await db.transaction().execute(async (trx) => {
    for (const chunk of rowChunks(lines)) {
      await trx
        .insertInto('logs')
        .values(chunk.map((line) => ({ deployment_id: line.deploymentId, target: line.target, step: line.step, stream: line.stream, text: line.text, at: line.at })))
        .execute();
    }
  });
}

export async function listLogs(db: Kysely<Database>, deploymentId: string, afterSeq: number, limit = 5000): Promise<LogLine[]> {
  const rows = await db.selectFrom('logs').selectAll().where('deployment_id', '=', deploymentId).where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
  return rows.map((row) => ({
    seq: Number(row.seq),
    deploymentId: row.deployment_id,
    target: row.target,
    step: row.step,
    stream: parseEnumColumn(row.stream, LOG_STREAMS, `log ${row.seq}`, 'stream'),
    text: row.text,
    at: row.at,
  }));
}

const MEASUREMENT_PHASES: readonly MeasurementPhase[] = ['successful', 'failed', 'inconclusive', 'error'];

export async function recordMeasurement(db: Kysely<Database>, lease: Lease, gate: number, measurement: MeasurementRecord): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const holder = await trx.selectFrom('deployments').select('id').where('id', '=', lease.deploymentId).where('lease_token', '=', lease.token).executeTakeFirst();
    if (!holder) throw new LeaseLostError(lease.deploymentId);
    await trx
      .insertInto('analysis_measurements')
      .values({
        deployment_id: lease.deploymentId,
        gate,
        template: measurement.template,
        metric: measurement.metric,
        phase: measurement.phase,
        value_json: JSON.stringify(measurement.value ?? null),
        message: measurement.message,
        at: measurement.at,
      })
      .execute();
  });
}

export async function listMeasurements(db: Kysely<Database>, deploymentId: string, afterSeq: number, limit = 1000): Promise<AnalysisMeasurement[]> {
  const rows = await db.selectFrom('analysis_measurements').selectAll().where('deployment_id', '=', deploymentId).where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
  return rows.map((row) => {
    const record = `measurement ${row.seq}`;
    return {
      seq: Number(row.seq),
      deploymentId: row.deployment_id,
      gate: row.gate,
      template: row.template,
      metric: row.metric,
      phase: parseEnumColumn(row.phase, MEASUREMENT_PHASES, record, 'phase'),
      value: parseJsonColumn<unknown>(row.value_json, record, 'value'),
      message: row.message,
      at: row.at,
    };
  });
}

export function assertDeploymentFound(deployment: Deployment | null, id: string): Deployment {
  if (!deployment) throw new GantryError('DEPLOYMENT_NOT_FOUND', `deployment ${id} does not exist`, { where: 'id' });
  return deployment;
}
