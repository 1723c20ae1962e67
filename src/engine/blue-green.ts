import { formatDuration } from '../core/duration.js';
import { GantryError } from '../core/errors.js';
import { hookCommandOf, hookTimeoutOf } from '../core/manifest/hooks.js';
import type { Slot } from '../core/manifest/schema.js';
import { hookEnvironment } from './hook-environment.js';
import type { RunContext } from './run-context.js';
import { failRollout, stopped } from './run-endings.js';
import type { TargetWork } from './target-work.js';
import { changeTraffic } from './traffic-changes.js';

/**
 * Blue-green, once the new slot passed its checks and gates: the load balancer moves every
 * target to it at once and `current` follows; the old slot stays warm for scaleDownDelay (an
 * abort then is a switch back), then its scaleDown hook stops it. False when the run stopped.
 */
export async function switchSlots(ctx: RunContext): Promise<boolean> {
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
