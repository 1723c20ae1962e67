import type { CanaryGate } from '../core/rollout/plan-canary.js';
import type { RunContext } from './run-context.js';

export type GateVerdict = 'passed' | 'failed' | 'inconclusive' | 'stopped';

/** Runs a canary's analysis gate. (Wired to the metric providers in the next change.) */
export async function analyseGate(ctx: RunContext, gate: Extract<CanaryGate, { kind: 'analysis' }>, label: string): Promise<GateVerdict> {
  ctx.logs.note(null, null, `analysis ${gate.template} at ${label} cannot run yet: waiting for a person`);
  return 'inconclusive';
}
