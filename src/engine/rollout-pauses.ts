/**
 * Gates and pauses: a canary's pauses and analyses between batches, a pause asked for, and
 * taking a paused deployment up again when its time comes or someone asks.
 */
import { transitionDeployment } from '../core/deployment/deployment-machine.js';
import type { CanaryGate } from '../core/rollout/plan-canary.js';
import { analyseGate } from './analysis-gate.js';
import type { RunContext } from './run-context.js';
import { beginRollback, cancel, stopped, stoppedBy } from './run-endings.js';

/** The gate the deployment stands at: one of the plan's gates after the last finished batch, not yet passed. */
function gateAt(ctx: RunContext): CanaryGate | null {
  const gate = ctx.deployment.plan?.gates?.[ctx.deployment.nextGate];
  return gate !== undefined && gate.afterBatch === ctx.deployment.currentBatch - 1 ? gate : null;
}

/** Passes the gates after the last finished batch; false when the run must stop here (paused, rolling back). */
export async function passGates(ctx: RunContext): Promise<boolean> {
  for (let gate = gateAt(ctx); gate !== null; gate = gateAt(ctx)) {
    if (await stopped(ctx)) return false;
    const label = `gate ${ctx.deployment.nextGate + 1} of ${ctx.deployment.plan!.gates!.length}`;
    if (gate.kind === 'pause') {
      const resumeAt = gate.durationMs === null ? null : new Date(ctx.deps.clock.now().getTime() + gate.durationMs).toISOString();
      await pause(ctx, resumeAt, `at ${label}, after batch ${gate.afterBatch + 1}`);
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

/** `held.code`: change control held the batch (FREEZE_ACTIVE, OUTSIDE_WINDOW, …), recorded so the change's evidence can tell. */
async function pause(ctx: RunContext, resumeAt: string | null, where: string, held: { consumedRequest?: 'pause'; code?: string } = {}): Promise<void> {
  const { consumedRequest, code } = held;
  const until = resumeAt === null ? 'waiting for gantry promote (or resume)' : `goes on at ${resumeAt} (gantry promote goes on now)`;
  const reason = `paused ${where}: ${until}`;
  ctx.logs.note(null, null, reason);
  await ctx.recordDeployment({ state: transitionDeployment('running', 'pause'), resumeAt, reason, keepLease: ctx.measuresWhilePaused, ...(consumedRequest ? { consumedRequest } : {}) }, [
    { type: 'deployment:paused', data: { reason, resumeAt, gate: gateAt(ctx) === null ? null : ctx.deployment.nextGate, ...(code ? { code } : {}) } },
  ]);
}

/**
 * Before a batch starts: as `stopped`; change control may hold the batch (a freeze began, the
 * window closed); and a pause asked for takes effect here.
 */
export async function stoppedAtBoundary(ctx: RunContext, targets: readonly string[]): Promise<boolean> {
  const control = await ctx.deps.store.readControl(ctx.deployment.id);
  if ((await stoppedBy(ctx, control)) !== null) return true;
  const clearance = await ctx.deps.changeControl.clearBatch(ctx.deployment, targets);
  if (!clearance.go) {
    const why = `error[${clearance.code}]: ${clearance.reason}`;
    if (clearance.then === 'rollback') await beginRollback(ctx, why);
    else await pause(ctx, clearance.resumeAt, `before batch ${ctx.deployment.currentBatch + 1}: ${why}`, { code: clearance.code });
    return true;
  }
  if (ctx.pauseBeforeNextBatch !== null) {
    const why = ctx.pauseBeforeNextBatch;
    ctx.pauseBeforeNextBatch = null;
    await pause(ctx, null, `before batch ${ctx.deployment.currentBatch + 1}: ${why}`);
    return true;
  }
  if (control.request !== 'pause') return false;
  await pause(ctx, null, `on request before batch ${ctx.deployment.currentBatch + 1}`, { consumedRequest: 'pause' });
  return true;
}

/**
 * A paused deployment taken up again: its time came, or someone asked. Promote passes the gate
 * it waits at; resume passes a pause and runs an analysis again; pause holds a timed pause.
 */
export async function takeUpPaused(ctx: RunContext): Promise<void> {
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

/** A pause held by this run (its background analysis measures on): waits until its time comes or someone asks. */
export async function waitWhilePaused(ctx: RunContext): Promise<void> {
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
