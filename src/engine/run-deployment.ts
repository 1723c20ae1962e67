import { setMaxListeners } from 'node:events';
import { transitionDeployment } from '../core/deployment/deployment-machine.js';
import { transitionTask } from '../core/deployment/task-machine.js';
import { GantryError } from '../core/errors.js';
import { labelsMatch } from '../core/names.js';
import { parseManifest } from '../core/manifest/parse-manifest.js';
import type { Deployment, Task } from '../core/model.js';
import { failuresExceeded, planRollout } from '../core/rollout/plan-batches.js';
import type { CanaryGate } from '../core/rollout/plan-canary.js';
import { formatDuration } from '../core/duration.js';
import { hookCommandOf, hookTimeoutOf } from '../core/manifest/hooks.js';
import type { Slot } from '../core/manifest/schema.js';
import { formatQuantity } from '../core/rollout/quantity.js';
import { analyseGate, startBackgroundAnalysis } from './analysis-gate.js';
import { deployTask } from './deploy-task.js';
import { hookEnvironment } from './hook-environment.js';
import type { EngineDeps } from './engine-deps.js';
import { LogSink } from './log-sink.js';
import { LeaseLostError, type Lease, type PendingControl } from './ports.js';
import { needsRollback, rollbackTask } from './rollback-task.js';
import { RunContext, type StopReason } from './run-context.js';
import { SessionPool } from './session-pool.js';
import { resolveTargetWork, type TargetWork } from './target-work.js';
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
  const done = advance(deps, lease, controller.signal, stop)
    .catch(async (error: unknown) => {
      if (error instanceof LeaseLostError || controller.signal.aborted) return;
      deps.log.error({ err: error, deploymentId: lease.deploymentId }, 'deployment run failed');
      const now = deps.clock.now().toISOString();
      if (error instanceof GantryError && error.code === 'DATA_CORRUPT') {
        await deps.store.quarantineDeployment(lease, `error[DATA_CORRUPT]: ${error.message}`, now).catch(() => undefined);
        deps.onProgress(lease.deploymentId);
      } else if ((await deps.store.readControl(lease.deploymentId).catch(() => null))?.cancel) {
        // A run that keeps failing is retried after each lease; a cancel is the way out of it.
        const reason = `cancelled after the run failed unexpectedly: ${error instanceof Error ? error.message.slice(0, 300) : 'unknown error'}`;
        await deps.store.quarantineDeployment(lease, reason, now).catch(() => undefined);
        deps.onProgress(lease.deploymentId);
      }
    })
    .finally(() => clearInterval(heartbeat));
  return { done, checkControl, stop };
}

async function advance(deps: EngineDeps, lease: Lease, signal: AbortSignal, stop: (reason: StopReason) => void): Promise<void> {
  const { deployment, tasks } = await deps.store.loadDeployment(lease.deploymentId);
  const sessions = new SessionPool(deps.executor, deps.settings.connectTimeoutMs);
  const logs = new LogSink(deps.store, deps.clock, deployment.id, () => deps.onProgress(deployment.id));
  let ctx: RunContext;
  try {
    ctx = await prepare(deps, lease, signal, stop, deployment, tasks, sessions, logs);
  } catch (error) {
    if (!(error instanceof GantryError)) throw error;
    // Nothing was touched yet (or the run cannot continue): end the deployment with the reason.
    logs.note(null, null, `error[${error.code}]: ${error.message}`);
    await logs.flush(true);
    const rollingBack = deployment.state === 'rolling_back';
    const now = deps.clock.now().toISOString();
    await deps.store.recordDeployment(
      lease,
      { state: transitionDeployment(deployment.state, rollingBack ? 'failRollback' : 'fail'), reason: `error[${error.code}]: ${error.message}`, finishedAt: now },
      [{ type: rollingBack ? 'deployment:rollback-failed' : 'deployment:failed', data: { code: error.code, message: error.message } }],
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
  const targets = deployment.plan === null ? registered.filter((target) => labelsMatch(environment.targets, target.labels)) : registered.filter((target) => planned.has(target.name));
  if (deployment.plan === null && targets.length === 0) {
    const selector = Object.entries(environment.targets).map(([key, value]) => `${key}=${value}`).join(', ');
    throw new GantryError('NO_MATCHING_TARGETS', `no registered target has the labels of environment ${environment.name} (${selector || 'no labels'})`);
  }
  if (deployment.plan === null) await deps.artifacts.verify(release.digest);
  const templates = await deps.artifacts.readFiles(release.digest, manifest.config.map((entry) => entry.template));
  const liveSlot = manifest.strategy.type === 'blueGreen' ? await deps.store.liveSlot(deployment.app, deployment.environment) : null;
  const plan = deployment.plan ?? planRollout(targets.map((target) => target.name), manifest.strategy, liveSlot);
  const work = resolveTargetWork(manifest, deployment.environment, targets, templates, plan.slot ?? null);
  const ctx = new RunContext(deps, lease, signal, deployment, tasks, release, manifest, work, sessions, logs, stop);
  if (plan.slot) {
    const live = plan.slot === 'blue' ? 'green' : 'blue';
    // The first blue-green deployment of an environment has no live slot to go back to.
    const wasLive = deployment.plan === null ? liveSlot !== null : (await deps.store.liveSlot(deployment.app, deployment.environment)) === live;
    ctx.slots = { next: plan.slot, live: wasLive ? live : null, liveWork: resolveTargetWork(manifest, deployment.environment, targets, templates, live) };
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
      [{ type: 'deployment:planned', data: { batches: plan.batches, allowedFailures: plan.allowedFailures, strategy: manifest.strategy.type, ...(plan.slot ? { slot: plan.slot } : {}) } }],
      plan.batches.flatMap((batch, index) => batch.map((target) => ({ target, batch: index }))),
    );
    logs.note(null, null, `planned ${targets.length} target${targets.length === 1 ? '' : 's'} in ${plan.batches.length} batch${plan.batches.length === 1 ? '' : 'es'} (${manifest.strategy.type}${plan.slot ? `, into the ${plan.slot} slot` : ''}), up to ${plan.allowedFailures} failure${plan.allowedFailures === 1 ? '' : 's'} tolerated`);
  }
  return ctx;
}

/**
 * Deploys the remaining batches, with the canary's background analysis (if any) running from the
 * first batch done. While it runs, a pause is waited out in this run, so it goes on measuring.
 */
async function deployBatches(ctx: RunContext): Promise<void> {
  const background: { running: { stop(): Promise<void> } | null } = { running: null };
  const startBackground = () => {
    background.running ??= startBackgroundAnalysis(ctx);
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

/** A pause held by this run (its background analysis measures on): waits until its time comes or someone asks. */
async function waitWhilePaused(ctx: RunContext): Promise<void> {
  while (ctx.deployment.state === 'paused' && !ctx.stopReason) {
    const control = await ctx.deps.store.readControl(ctx.deployment.id);
    const due = ctx.deployment.resumeAt !== null && ctx.now() >= ctx.deployment.resumeAt;
    if (control.cancel || control.request !== null || due) await takeUpPaused(ctx);
    else await ctx.deps.clock.sleep(ctx.deps.settings.pollMs, ctx.signal).catch(() => undefined);
  }
  if (ctx.deployment.state !== 'paused') return;
  // The background analysis failed during the pause, or a cancel or abort stopped the run.
  if (ctx.interruptedBecause) await beginRollback(ctx, ctx.interruptedBecause);
  else if (ctx.stopReason === 'cancel' || ctx.stopReason === 'abort') await takeUpPaused(ctx);
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
      if (await stoppedAtBoundary(ctx)) return;
      await ctx.recordDeployment({ currentBatch: batch }, [{ type: 'batch:started', data: { batch, targets } }]);
    }
    // Blue-green deploys beside the live slot, which keeps serving: the rotation changes only at the switch.
    const inPlace = ctx.slots === null;
    if (inPlace && !(await changeTraffic(ctx, (traffic) => traffic.drain(targets.filter((target) => ctx.task(target).state === 'pending' || ctx.task(target).state === 'running'))))) return;
    await Promise.all(targets.map((target) => deployTask(ctx, target)));
    if (await stopped(ctx)) return;
    if (inPlace && !(await changeTraffic(ctx, (traffic) => traffic.undrain(targets.filter((target) => ctx.task(target).state === 'succeeded'))))) return;
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

/**
 * Blue-green, once the new slot passed its checks and gates: the load balancer moves every
 * target to it at once and `current` follows; the old slot stays warm for scaleDownDelay (an
 * abort then is a switch back), then its scaleDown hook stops it. False when the run stopped.
 */
async function switchSlots(ctx: RunContext): Promise<boolean> {
  const slots = ctx.slots!;
  const { app, version } = ctx.deployment;
  const failed = ctx.allTasks().filter((task) => task.state === 'failed').map((task) => task.target);
  const switched = ctx.allTasks().filter((task) => task.state === 'succeeded');
  if (!(await changeTraffic(ctx, (traffic) => traffic.serve(slots.next, ctx.work, failed)))) return false;
  try {
    await Promise.all(switched.map(async (task) => (await ctx.session(task.target)).activate(app, version, { timeoutMs: ctx.manifest.transferTimeout, signal: ctx.signal })));
  } catch (error) {
    if (!(error instanceof GantryError) || ctx.stopReason) throw error;
    await failRollout(ctx, `the load balancer switched to the ${slots.next} slot, but current could not follow: error[${error.code}]: ${error.message}`);
    return false;
  }
  const delay = ctx.manifest.strategy.type === 'blueGreen' ? ctx.manifest.strategy.scaleDownDelay : 0;
  await ctx.recordDeployment({}, [{ type: 'slot:switched', data: { slot: slots.next, targets: switched.map((task) => task.target) } }]);
  if (slots.live === null) return true;
  ctx.logs.note(null, 'traffic', `${version} is live on the ${slots.next} slot; the ${slots.live} slot stays warm for ${formatDuration(delay)} (gantry abort switches back)`);
  await ctx.deps.clock.sleep(delay, ctx.signal).catch(() => undefined);
  if (await stopped(ctx)) return false;
  await Promise.all(switched.map((task) => scaleDown(ctx, task.target, task.previousVersion, slots.live!, slots.liveWork)));
  return true;
}

/** Stops a blue-green slot on a target: the manifest's scaleDown hook, in that slot's release, with its values. Reported, not fatal. */
async function scaleDown(ctx: RunContext, target: string, version: string | null, slot: Slot, work: ReadonlyMap<string, TargetWork>): Promise<void> {
  const hook = ctx.manifest.hooks.scaleDown;
  const values = work.get(target);
  if (!hook || version === null || !values) return;
  const env = hookEnvironment({ app: ctx.deployment.app, environment: ctx.deployment.environment, version, target: values.target, previousVersion: null, attempt: 1, variables: values.variables, slot });
  try {
    const session = await ctx.session(target);
    await session.runHook(ctx.deployment.app, version, { command: hookCommandOf(hook), env }, { timeoutMs: hookTimeoutOf(hook, ctx.manifest), signal: ctx.signal, onOutput: (stream, text) => ctx.logs.write(target, 'scaleDown', stream, text) });
    ctx.logs.note(target, 'scaleDown', `the ${slot} slot (${version}) is stopped`);
  } catch (error) {
    if (ctx.signal.aborted || !(error instanceof GantryError)) throw error;
    ctx.logs.note(target, 'scaleDown', `warning: the ${slot} slot (${version}) was not stopped: error[${error.code}]: ${error.message}`);
  }
}

/** Ends a rollout that went wrong as the strategy says: roll back, or halt where it is. */
async function failRollout(ctx: RunContext, reason: string): Promise<void> {
  if (ctx.manifest.strategy.onFailure === 'rollback') return beginRollback(ctx, reason);
  await skipPending(ctx);
  await finish(ctx, 'fail', `halted: ${reason}`, 'deployment:failed');
}

/** Changes the load balancer's rotation, if there is one; false when that failed and the rollout ended. */
async function changeTraffic(ctx: RunContext, change: (traffic: TrafficRotation) => Promise<void>): Promise<boolean> {
  const problem = await changeRotation(ctx, change);
  if (problem === null) return true;
  if (ctx.stopReason) await stopped(ctx);
  else await failRollout(ctx, `the load balancer could not be switched: ${problem}`);
  return false;
}

/** Changes the load balancer's rotation, if there is one; what went wrong, or null. */
async function changeRotation(ctx: RunContext, change: (traffic: TrafficRotation) => Promise<void>): Promise<string | null> {
  if (!ctx.traffic) return null;
  try {
    await change(ctx.traffic);
    return null;
  } catch (error) {
    if (!(error instanceof GantryError)) throw error;
    const problem = `error[${error.code}]: ${error.message}`;
    if (!ctx.stopReason) ctx.logs.note(null, 'traffic', problem);
    return problem;
  }
}

/** The gate the deployment stands at: one of the plan's gates after the last finished batch, not yet passed. */
function gateAt(ctx: RunContext): CanaryGate | null {
  const gate = ctx.deployment.plan?.gates?.[ctx.deployment.nextGate];
  return gate !== undefined && gate.afterBatch === ctx.deployment.currentBatch - 1 ? gate : null;
}

/** Passes the gates after the last finished batch; false when the run must stop here (paused, rolling back). */
async function passGates(ctx: RunContext): Promise<boolean> {
  for (let gate = gateAt(ctx); gate !== null; gate = gateAt(ctx)) {
    if (await stopped(ctx)) return false;
    const label = `gate ${ctx.deployment.nextGate + 1} of ${ctx.deployment.plan!.gates!.length}`;
    if (gate.kind === 'pause') {
      await pause(ctx, gate.durationMs, `at ${label}, after batch ${gate.afterBatch + 1}`);
      return false;
    }
    const verdict = await analyseGate(ctx, gate);
    if (verdict.outcome === 'stopped') {
      await stopped(ctx);
      return false;
    }
    // As in Argo Rollouts, a failed analysis rolls back whatever onFailure says: it is evidence, not a count.
    if (verdict.outcome === 'failed' || verdict.outcome === 'error') {
      await beginRollback(ctx, `error[ANALYSIS_FAILED]: ${verdict.reason}`);
      return false;
    }
    if (verdict.outcome === 'inconclusive') {
      await pause(ctx, null, `at ${label}: ${verdict.reason}`);
      return false;
    }
    await ctx.recordDeployment({ nextGate: ctx.deployment.nextGate + 1 }, [{ type: 'gate:passed', data: { gate: ctx.deployment.nextGate, kind: gate.kind } }]);
  }
  return true;
}

async function pause(ctx: RunContext, durationMs: number | null, where: string, consumedRequest?: 'pause'): Promise<void> {
  const resumeAt = durationMs === null ? null : new Date(ctx.deps.clock.now().getTime() + durationMs).toISOString();
  const until = resumeAt === null ? 'waiting for gantry promote (or resume)' : `goes on at ${resumeAt} (gantry promote goes on now)`;
  const reason = `paused ${where}: ${until}`;
  ctx.logs.note(null, null, reason);
  await ctx.recordDeployment({ state: transitionDeployment('running', 'pause'), resumeAt, reason, keepLease: ctx.measuresWhilePaused, ...(consumedRequest ? { consumedRequest } : {}) }, [
    { type: 'deployment:paused', data: { reason, resumeAt, gate: gateAt(ctx) === null ? null : ctx.deployment.nextGate } },
  ]);
}

/**
 * A paused deployment taken up again: its time came, or someone asked. Promote passes the gate
 * it waits at; resume passes a pause and runs an analysis again; pause holds a timed pause.
 */
async function takeUpPaused(ctx: RunContext): Promise<void> {
  const control = await ctx.deps.store.readControl(ctx.deployment.id);
  if (control.cancel) return cancel(ctx);
  const request = control.request;
  if (request === 'abort') return beginRollback(ctx, 'aborted on request while paused', 'abort');
  if (request === 'pause') {
    ctx.logs.note(null, null, 'held on request: waiting for gantry promote (or resume)');
    const hold = { resumeAt: null, reason: `${ctx.deployment.reason ?? 'paused'}; held on request`, consumedRequest: 'pause' as const };
    await ctx.recordDeployment(ctx.measuresWhilePaused ? hold : { ...hold, handOver: true }, [{ type: 'deployment:held' }]);
    return;
  }
  const gate = gateAt(ctx);
  const passes = gate !== null && (gate.kind === 'pause' || request === 'promote');
  ctx.logs.note(null, null, `${request === null ? 'pause ended' : `${request}d on request`}${passes ? `: gate ${ctx.deployment.nextGate + 1} passed` : ''}`);
  await ctx.recordDeployment(
    { state: transitionDeployment('paused', 'resume'), resumeAt: null, reason: null, ...(passes ? { nextGate: ctx.deployment.nextGate + 1 } : {}), ...(request ? { consumedRequest: request } : {}) },
    [{ type: 'deployment:unpaused', data: { request, gatePassed: passes ? ctx.deployment.nextGate : null } }],
  );
}

async function beginRollback(ctx: RunContext, reason: string, consumedRequest?: 'abort'): Promise<void> {
  await skipPending(ctx);
  await ctx.recordDeployment({ state: transitionDeployment(ctx.deployment.state, 'beginRollback'), reason, ...(consumedRequest ? { consumedRequest } : {}), ...(ctx.stopReason ? { handOver: true } : {}) }, [
    { type: 'deployment:rolling-back', data: { reason } },
  ]);
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

/** After a batch or a gate: whether the run must stop here (cancelled, aborted, lease lost, shutting down). */
async function stopped(ctx: RunContext): Promise<boolean> {
  return (await stoppedBy(ctx, await ctx.deps.store.readControl(ctx.deployment.id))) !== null;
}

/** Before a batch starts: as `stopped`, and a pause asked for takes effect here. */
async function stoppedAtBoundary(ctx: RunContext): Promise<boolean> {
  const control = await ctx.deps.store.readControl(ctx.deployment.id);
  if ((await stoppedBy(ctx, control)) !== null) return true;
  if (ctx.pauseBeforeNextBatch !== null) {
    await pause(ctx, null, `before batch ${ctx.deployment.currentBatch + 1}: ${ctx.pauseBeforeNextBatch}`);
    return true;
  }
  if (control.request !== 'pause') return false;
  await pause(ctx, null, `on request before batch ${ctx.deployment.currentBatch + 1}`, 'pause');
  return true;
}

async function stoppedBy(ctx: RunContext, control: PendingControl): Promise<StopReason | null> {
  const reason = ctx.stopReason ?? (control.cancel ? 'cancel' : control.request === 'abort' ? 'abort' : null);
  if (reason === 'cancel') await cancel(ctx);
  if (reason === 'abort') await abort(ctx);
  return reason;
}

/** Roll back what was switched: steps under way were stopped, their targets count as failed. */
async function abort(ctx: RunContext): Promise<void> {
  for (const task of ctx.allTasks()) {
    if (task.state !== 'running') continue;
    const error = { code: 'INTERRUPTED', message: `aborted during ${task.step ?? 'start'}` };
    await ctx.recordTask(task.target, { state: transitionTask('running', 'fail'), error }, [{ type: 'task:failed', data: { step: task.step, ...error } }]);
  }
  const reason = ctx.interruptedBecause ?? 'aborted on request';
  ctx.logs.note(null, null, `${reason}: rolling back what was switched`);
  await beginRollback(ctx, reason, 'abort');
}

async function cancel(ctx: RunContext): Promise<void> {
  for (const task of ctx.allTasks()) {
    if (task.state === 'pending' || task.state === 'running') {
      await ctx.recordTask(task.target, { state: transitionTask(task.state, 'cancel'), ...(task.state === 'running' ? { error: { code: 'INTERRUPTED', message: `cancelled during ${task.step}` } } : {}) }, [
        { type: 'task:cancelled', data: { step: task.step } },
      ]);
    }
  }
  const switched = ctx.allTasks().filter((task) => needsRollback(task)).map((task) => task.target);
  const reason = `cancelled on request${switched.length > 0 ? `; ${switched.join(', ')} had been switched to ${ctx.deployment.version} and stay on it` : '; no target had been switched'}`;
  await finish(ctx, 'cancel', reason, 'deployment:cancelled');
}

async function skipPending(ctx: RunContext): Promise<void> {
  for (const task of ctx.allTasks()) {
    if (task.state === 'pending') await ctx.recordTask(task.target, { state: transitionTask('pending', 'skip') }, [{ type: 'task:skipped' }]);
  }
}

async function finish(ctx: RunContext, event: 'succeed' | 'fail' | 'finishRollback' | 'failRollback' | 'cancel', reason: string, type: string): Promise<void> {
  await ctx.logs.flush(true);
  await ctx.recordDeployment({ state: transitionDeployment(ctx.deployment.state, event), reason, finishedAt: ctx.now() }, [{ type, data: { reason } }]);
}

function describeFailures(failed: readonly Task[]): string {
  const shown = failed.slice(0, 3).map((task) => `${task.target}: ${task.error?.code ?? 'failed'} ${task.error?.message ?? ''}`.trim());
  return `failed on ${shown.join('; ')}${failed.length > 3 ? `; and ${failed.length - 3} more` : ''}`;
}
