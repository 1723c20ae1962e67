import { setMaxListeners } from 'node:events';
import { transitionDeployment } from '../core/deployment/deployment-machine.js';
import { GantryError } from '../core/errors.js';
import { parseManifest } from '../core/manifest/parse-manifest.js';
import type { Strategy } from '../core/manifest/schema.js';
import type { Deployment, Task } from '../core/model.js';
import { labelsMatch } from '../core/names.js';
import { failuresExceeded, planRollout } from '../core/rollout/plan-batches.js';
import { formatQuantity } from '../core/rollout/quantity.js';
import { createMasker, maskError } from '../core/secrets/mask.js';
import { startBackgroundAnalysis } from './analysis-gate.js';
import { switchSlots } from './blue-green.js';
import { deployTask } from './deploy-task.js';
import type { EngineDeps } from './engine-deps.js';
import { LogSink } from './log-sink.js';
import { LeaseLostError, type Lease } from './ports.js';
import { needsRollback, rollbackTask } from './rollback-task.js';
import { passGates, stoppedAtBoundary, takeUpPaused, waitWhilePaused } from './rollout-pauses.js';
import { RunContext, type StopReason } from './run-context.js';
import { describeFailures, failRollout, finish, skipPending, stopped } from './run-endings.js';
import { SessionPool } from './session-pool.js';
import { resolveTargetWork } from './target-work.js';
import { changeRotation, changeTraffic } from './traffic-changes.js';
import { TrafficRotation } from './traffic-rotation.js';

export interface DeploymentRun {
  readonly done: Promise<void>;
  /** Looks for a cancel or abort request now instead of at the next heartbeat. */
  checkControl(): void;
  stop(reason: StopReason): void;
}

/** Advances one claimed deployment until it ends or the run is stopped. */
export function runDeployment(deps: EngineDeps, lease: Lease): DeploymentRun {
  const controller = new AbortController();
  // Every command of every target in the run listens for the stop: thousands at once is expected.
  setMaxListeners(0, controller.signal);
  const stop = (reason: StopReason) => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  const checkControl = () => {
    deps.store.readControl(lease.deploymentId).then(
      (control) => {
        if (control.cancel) stop('cancel');
        else if (control.request === 'abort') stop('abort');
      },
      () => undefined,
    );
  };
  const heartbeat = setInterval(() => {
    const expiresAt = new Date(deps.clock.now().getTime() + deps.settings.leaseMs).toISOString();
    deps.store.renewLease(lease, expiresAt).then(
      (renewed) => (renewed ? checkControl() : stop('lease-lost')),
      (error: unknown) => deps.log.warn({ err: error, deploymentId: lease.deploymentId }, 'lease renewal failed; will retry'),
    );
  }, deps.settings.heartbeatMs);
  const logs = new LogSink(deps.store, deps.clock, lease.deploymentId, () => deps.onProgress(lease.deploymentId));
  const done = advance(deps, lease, controller.signal, stop, logs)
    .catch(async (error: unknown) => {
      if (error instanceof LeaseLostError || controller.signal.aborted) return;
      deps.log.error({ err: maskError(error, logs.masker), deploymentId: lease.deploymentId }, 'deployment run failed');
      const now = deps.clock.now().toISOString();
      if (error instanceof GantryError && error.code === 'DATA_CORRUPT') {
        await deps.store.quarantineDeployment(lease, `error[DATA_CORRUPT]: ${logs.masker.mask(error.message)}`, now).catch(() => undefined);
        deps.onProgress(lease.deploymentId);
      } else if ((await deps.store.readControl(lease.deploymentId).catch(() => null))?.cancel) {
        // A run that keeps failing is retried after each lease; a cancel is the way out of it.
        const reason = `cancelled after the run failed unexpectedly: ${error instanceof Error ? logs.masker.mask(error.message).slice(0, 300) : 'unknown error'}`;
        await deps.store.quarantineDeployment(lease, reason, now).catch(() => undefined);
        deps.onProgress(lease.deploymentId);
      }
    })
    .finally(() => clearInterval(heartbeat));
  return { done, checkControl, stop };
}

async function advance(deps: EngineDeps, lease: Lease, signal: AbortSignal, stop: (reason: StopReason) => void, logs: LogSink): Promise<void> {
  const { deployment, tasks } = await deps.store.loadDeployment(lease.deploymentId);
  const sessions = new SessionPool(deps.executor, deps.settings.connectTimeoutMs);
  let ctx: RunContext;
  try {
    ctx = await prepare(deps, lease, signal, stop, deployment, tasks, sessions, logs);
  } catch (error) {
    if (!(error instanceof GantryError)) throw error;
    // Nothing was touched yet (or the run cannot continue): end the deployment with the reason.
    const message = logs.masker.mask(error.message);
    logs.note(null, null, `error[${error.code}]: ${message}`);
    await logs.flush(true);
    const rollingBack = deployment.state === 'rolling_back';
    const now = deps.clock.now().toISOString();
    await deps.store.recordDeployment(
      lease,
      { state: transitionDeployment(deployment.state, rollingBack ? 'failRollback' : 'fail'), reason: `error[${error.code}]: ${message}`, finishedAt: now },
      [{ type: rollingBack ? 'deployment:rollback-failed' : 'deployment:failed', data: { code: error.code, message } }],
      now,
    );
    deps.onProgress(deployment.id);
    return;
  }
  try {
    if (ctx.deployment.state === 'paused') await takeUpPaused(ctx);
    if (ctx.deployment.state === 'running') await deployBatches(ctx);
    // An abort that stopped the steps under way handed the deployment over: a fresh run rolls back.
    if (ctx.deployment.state === 'rolling_back' && !ctx.stopReason) await rollBack(ctx);
  } finally {
    await logs.flush(true);
    await sessions.closeAll();
  }
}

async function prepare(
  deps: EngineDeps,
  lease: Lease,
  signal: AbortSignal,
  stop: (reason: StopReason) => void,
  deployment: Deployment,
  tasks: readonly Task[],
  sessions: SessionPool,
  logs: LogSink,
): Promise<RunContext> {
  const release = await deps.store.getRelease(deployment.app, deployment.version);
  if (!release) throw new GantryError('RELEASE_NOT_FOUND', `release ${deployment.app} ${deployment.version} no longer exists`);
  const manifest = parseManifest(release.manifestSource, `release ${deployment.app} ${deployment.version}`);
  const environment = manifest.environments.find((candidate) => candidate.name === deployment.environment);
  if (!environment) throw new GantryError('ENVIRONMENT_NOT_FOUND', `release ${release.version} of ${deployment.app} has no environment ${deployment.environment}`);
  const registered = await deps.store.listTargets();
  const planned = new Set(tasks.map((task) => task.target));
  // A patch rollout covers the targets its order names (still in the environment); a deployment, all the environment's.
  const ordered = deployment.patch ? new Set(Object.keys(deployment.patch.targets)) : null;
  const targets =
    deployment.plan !== null
      ? registered.filter((target) => planned.has(target.name))
      : registered.filter((target) => labelsMatch(environment.targets, target.labels) && (ordered === null || ordered.has(target.name)));
  if (deployment.plan === null && targets.length === 0) {
    const selector = Object.entries(environment.targets).map(([key, value]) => `${key}=${value}`).join(', ');
    throw new GantryError('NO_MATCHING_TARGETS', `no registered target has the labels of environment ${environment.name} (${selector || 'no labels'})`);
  }
  if (deployment.plan === null) await deps.artifacts.verify(release.digest);
  const templates = await deps.artifacts.readFiles(release.digest, manifest.config.map((entry) => entry.template));
  const secrets = await deps.secrets.valuesFor(deployment.app, deployment.environment);
  logs.masker = createMasker(secrets.values());
  const strategy = deployment.kind === 'patch' ? patchStrategy(manifest.strategy) : manifest.strategy;
  const liveSlot = strategy.type === 'blueGreen' ? await deps.store.liveSlot(deployment.app, deployment.environment) : null;
  const plan = deployment.plan ?? planRollout(targets.map((target) => target.name), strategy, liveSlot);
  // A blue-green release patched in place is checked on the slot that serves.
  const workSlot = deployment.kind === 'patch' && manifest.strategy.type === 'blueGreen' ? await deps.store.liveSlot(deployment.app, deployment.environment) : (plan.slot ?? null);
  const work = resolveTargetWork(manifest, deployment.environment, targets, templates, workSlot, secrets);
  const ctx = new RunContext(deps, lease, signal, deployment, tasks, release, manifest, work, sessions, logs, stop);
  if (plan.slot) {
    const live = plan.slot === 'blue' ? 'green' : 'blue';
    // The first blue-green deployment of an environment has no live slot to go back to.
    const wasLive = deployment.plan === null ? liveSlot !== null : (await deps.store.liveSlot(deployment.app, deployment.environment)) === live;
    ctx.slots = { next: plan.slot, live: wasLive ? live : null, liveWork: resolveTargetWork(manifest, deployment.environment, targets, templates, live, secrets) };
  }
  if (environment.traffic) {
    const balancer = registered.find((target) => target.name === environment.traffic!.target);
    if (!balancer) {
      throw new GantryError('TARGET_NOT_FOUND', `the load balancer of environment ${environment.name}, target ${environment.traffic.target}, is not registered`, { where: 'traffic.target' });
    }
    ctx.traffic = new TrafficRotation(ctx, environment.traffic, balancer);
  }
  if (deployment.plan === null) {
    await ctx.recordDeployment(
      { plan },
      [{ type: 'deployment:planned', data: { batches: plan.batches, allowedFailures: plan.allowedFailures, strategy: strategy.type, ...(plan.slot ? { slot: plan.slot } : {}) } }],
      plan.batches.flatMap((batch, index) => batch.map((target) => ({ target, batch: index }))),
    );
    logs.note(null, null, `planned ${targets.length} target${targets.length === 1 ? '' : 's'} in ${plan.batches.length} batch${plan.batches.length === 1 ? '' : 'es'} (${strategy.type}${plan.slot ? `, into the ${plan.slot} slot` : ''}), up to ${plan.allowedFailures} failure${plan.allowedFailures === 1 ? '' : 's'} tolerated`);
  }
  return ctx;
}

/**
 * How a patch rollout goes through the environment: as its deployments do, except that machines
 * are patched in place, so blue-green's two slots become one target at a time.
 */
function patchStrategy(strategy: Strategy): Strategy {
  if (strategy.type !== 'blueGreen') return strategy;
  return { type: 'rolling', batch: { count: 1 }, maxFailures: strategy.maxFailures, pauseBetweenBatches: 0, onFailure: 'halt' };
}

/**
 * Deploys the remaining batches, with the canary's background analysis (if any) running from the
 * first batch done. While it runs, a pause is waited out in this run, so it goes on measuring.
 */
async function deployBatches(ctx: RunContext): Promise<void> {
  const background: { running: { stop(): Promise<void> } | null } = { running: null };
  const startBackground = () => {
    if (background.running) return;
    background.running = startBackgroundAnalysis(ctx);
    ctx.measuresWhilePaused = background.running !== null;
  };
  if (ctx.deployment.currentBatch > 0) startBackground();
  try {
    do {
      await deployBatchesFrom(ctx, startBackground);
      if (ctx.deployment.state === 'paused' && ctx.measuresWhilePaused) await waitWhilePaused(ctx);
    } while (ctx.deployment.state === 'running' && !ctx.stopReason);
  } finally {
    await background.running?.stop();
  }
}

/** The batches from the current one to the end; `batchDone` is told after each finished batch. */
async function deployBatchesFrom(ctx: RunContext, batchDone: () => void): Promise<void> {
  const plan = ctx.deployment.plan!;
  const strategy = ctx.manifest.strategy;
  // Taken up again at a gate (after a pause, or an analysis to run again): pass it first.
  if (!(await passGates(ctx))) return;
  for (let batch = ctx.deployment.currentBatch; batch < plan.batches.length; batch++) {
    const targets = plan.batches[batch] ?? [];
    if (targets.every((target) => ctx.task(target).state === 'pending')) {
      if (await stoppedAtBoundary(ctx, targets)) return;
      await ctx.recordDeployment({ currentBatch: batch }, [{ type: 'batch:started', data: { batch, targets } }]);
    }
    // Blue-green deploys beside the live slot, which keeps serving: the rotation changes only at the switch.
    const inPlace = ctx.slots === null;
    if (inPlace && !(await changeTraffic(ctx, (traffic) => traffic.drain(targets.filter((target) => ctx.task(target).state === 'pending' || ctx.task(target).state === 'running'))))) return;
    await Promise.all(targets.map((target) => deployTask(ctx, target)));
    if (await stopped(ctx)) return;
    // A target that failed before its switch still runs the old release: it goes back in rotation
    // too (left out, it would stay drained after a rollback, which only touches switched targets).
    if (inPlace && !(await changeTraffic(ctx, (traffic) => traffic.undrain(targets.filter((target) => servesAfterBatch(ctx.task(target))))))) return;
    const failed = ctx.allTasks().filter((task) => task.state === 'failed');
    if (failuresExceeded(failed.length, plan.allowedFailures)) {
      await failRollout(ctx, `${describeFailures(failed)}; ${failed.length} failed target${failed.length === 1 ? '' : 's'} exceed${failed.length === 1 ? 's' : ''} maxFailures ${formatQuantity(strategy.maxFailures)} (${plan.allowedFailures} of ${ctx.allTasks().length})`);
      return;
    }
    await ctx.recordDeployment({ currentBatch: batch + 1 }, [{ type: 'batch:finished', data: { batch } }]);
    batchDone();
    if (!(await passGates(ctx))) return;
    if (batch < plan.batches.length - 1 && strategy.type === 'rolling' && strategy.pauseBetweenBatches > 0) {
      ctx.logs.note(null, null, `pausing ${strategy.pauseBetweenBatches}ms before batch ${batch + 2}`);
      await ctx.deps.clock.sleep(strategy.pauseBetweenBatches, ctx.signal).catch(() => undefined);
      if (await stopped(ctx)) return;
    }
  }
  if (ctx.slots && !(await switchSlots(ctx))) return;
  const tasks = ctx.allTasks();
  const failed = tasks.filter((task) => task.state === 'failed');
  const reason = failed.length === 0 ? `${tasks.length} of ${tasks.length} targets on ${ctx.deployment.version}` : `${tasks.length - failed.length} of ${tasks.length} targets on ${ctx.deployment.version}; ${describeFailures(failed)} (within maxFailures)`;
  await finish(ctx, 'succeed', reason, 'deployment:succeeded');
}

/** After its batch, whether a target serves a working release: the new one, or the old one it never left. */
function servesAfterBatch(task: Task): boolean {
  return task.state === 'succeeded' || (task.state === 'failed' && !needsRollback(task));
}

async function rollBack(ctx: RunContext): Promise<void> {
  await skipPending(ctx);
  const touched = ctx.allTasks().filter(needsRollback).map((task) => task.target);
  ctx.logs.note(null, null, touched.length > 0 ? `rolling back ${touched.join(', ')}` : 'no target was switched; nothing to roll back');
  // Putting the old release back matters more than the rotation: a failed drain is reported, not fatal.
  // Blue-green switches back to the old slot first: it is still warm, so that is the whole rollback for traffic.
  const slots = ctx.slots;
  let drained: string | null = null;
  if (!slots) drained = await changeRotation(ctx, (traffic) => traffic.drain(touched));
  else if (slots.live) drained = await changeRotation(ctx, (traffic) => traffic.serve(slots.live!, slots.liveWork, []));
  else ctx.logs.note(null, 'traffic', 'no slot was live before this deployment: the load balancer is left as it is');
  await Promise.all(touched.map((target) => rollbackTask(ctx, target)));
  if (ctx.stopReason) return;
  const restored = slots ? null : await changeRotation(ctx, (traffic) => traffic.undrain(touched.filter((target) => ctx.task(target).state === 'rolled_back')));
  if (ctx.stopReason) return;
  const trafficProblems = [
    ...(drained === null ? [] : [`the load balancer did not take them out first: ${drained}`]),
    ...(restored === null ? [] : [`the load balancer was not restored: ${restored}`]),
  ];
  const failed = ctx.allTasks().filter((task) => task.state === 'rollback_failed');
  const reason = ctx.deployment.reason ?? 'rolled back';
  if (failed.length > 0 || trafficProblems.length > 0) {
    const problems = [
      ...(failed.length > 0 ? [`rollback failed on ${failed.map((task) => `${task.target} (${task.error?.code ?? 'unknown'})`).join(', ')}`] : []),
      ...trafficProblems,
    ];
    await finish(ctx, 'failRollback', `${reason}; ${problems.join('; ')}`, 'deployment:rollback-failed');
  } else {
    await finish(ctx, 'finishRollback', `${reason}; ${touched.length} switched target${touched.length === 1 ? '' : 's'} put back`, 'deployment:rolled-back');
  }
}
