import { GantryError } from '../core/errors.js';
import type { RunContext } from './run-context.js';
import { failRollout, stopped } from './run-endings.js';
import type { TrafficRotation } from './traffic-rotation.js';

/** Changes the load balancer's rotation, if there is one; false when that failed and the rollout ended. */
export async function changeTraffic(ctx: RunContext, change: (traffic: TrafficRotation) => Promise<void>): Promise<boolean> {
  const problem = await changeRotation(ctx, change);
  if (problem === null) return true;
  if (ctx.stopReason) await stopped(ctx);
  else await failRollout(ctx, `the load balancer could not be switched: ${problem}`);
  return false;
}

/** Changes the load balancer's rotation, if there is one; what went wrong, or null. */
export async function changeRotation(ctx: RunContext, change: (traffic: TrafficRotation) => Promise<void>): Promise<string | null> {
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
