/**
 * How a run ends a deployment, or hands it on: finished, failed, cancelled, aborted, rolling
 * back. Each writes the new state with its reason and events in one change.
 */
import { transitionDeployment } from '../core/deployment/deployment-machine.js';
import { transitionTask } from '../core/deployment/task-machine.js';
import type { Task } from '../core/model.js';
import type { PendingControl } from './ports.js';
import { needsRollback } from './rollback-task.js';
import type { RunContext, StopReason } from './run-context.js';

/**
 * Ends a rollout that went wrong as the strategy says: roll back, or halt where it is. A patch
 * rollout always halts: packages are not downgraded, so there is nothing to go back to.
 */
export async function failRollout(ctx: RunContext, reason: string): Promise<void> {
  if (ctx.manifest.strategy.onFailure === 'rollback' && ctx.deployment.kind !== 'patch') return beginRollback(ctx, reason);
  await skipPending(ctx);
  await finish(ctx, 'fail', `halted: ${reason}`, 'deployment:failed');
}

export async function beginRollback(ctx: RunContext, reason: string, consumedRequest?: 'abort'): Promise<void> {
  await skipPending(ctx);
  await ctx.recordDeployment({ state: transitionDeployment(ctx.deployment.state, 'beginRollback'), reason, ...(consumedRequest ? { consumedRequest } : {}), ...(ctx.stopReason ? { handOver: true } : {}) }, [
    { type: 'deployment:rolling-back', data: { reason } },
  ]);
}

/** After a batch or a gate: whether the run must stop here (cancelled, aborted, lease lost, shutting down). */
export async function stopped(ctx: RunContext): Promise<boolean> {
  return (await stoppedBy(ctx, await ctx.deps.store.readControl(ctx.deployment.id))) !== null;
}

export async function stoppedBy(ctx: RunContext, control: PendingControl): Promise<StopReason | null> {
  const reason = ctx.stopReason ?? (control.cancel ? 'cancel' : control.request === 'abort' ? 'abort' : null);
  if (reason === 'cancel') await cancel(ctx);
  if (reason === 'abort') await abort(ctx);
  return reason;
}

/** Roll back what was switched: steps under way were stopped, their targets count as failed. */
export async function abort(ctx: RunContext): Promise<void> {
  for (const task of ctx.allTasks()) {
    if (task.state !== 'running') continue;
    const error = { code: 'INTERRUPTED', message: `aborted during ${task.step ?? 'start'}` };
    await ctx.recordTask(task.target, { state: transitionTask('running', 'fail'), error }, [{ type: 'task:failed', data: { step: task.step, ...error } }]);
  }
  const reason = ctx.interruptedBecause ?? 'aborted on request';
  ctx.logs.note(null, null, `${reason}: rolling back what was switched`);
  await beginRollback(ctx, reason, 'abort');
}

export async function cancel(ctx: RunContext): Promise<void> {
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

export async function skipPending(ctx: RunContext): Promise<void> {
  for (const task of ctx.allTasks()) {
    if (task.state === 'pending') await ctx.recordTask(task.target, { state: transitionTask('pending', 'skip') }, [{ type: 'task:skipped' }]);
  }
}

export async function finish(ctx: RunContext, event: 'succeed' | 'fail' | 'finishRollback' | 'failRollback' | 'cancel', reason: string, type: string): Promise<void> {
  await ctx.logs.flush(true);
  await ctx.recordDeployment({ state: transitionDeployment(ctx.deployment.state, event), reason, finishedAt: ctx.now() }, [{ type, data: { reason } }]);
}

export function describeFailures(failed: readonly Task[]): string {
  const shown = failed.slice(0, 3).map((task) => `${task.target}: ${task.error?.code ?? 'failed'} ${task.error?.message ?? ''}`.trim());
  return `failed on ${shown.join('; ')}${failed.length > 3 ? `; and ${failed.length - 3} more` : ''}`;
}
