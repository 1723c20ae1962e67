/**
 * A canary rollout as batches and gates. Each `targets` step names how many of the
 * environment's targets run the new release once it is done (a count, or a share rounded up,
 * at least one): its batch is the targets it adds. A `pause` or `analysis` step is a gate
 * after the batch before it. Whatever the steps leave out is switched in a last batch, so a
 * canary always ends at 100 %. Targets go in name order, like every plan, so the same inputs
 * always give the same plan.
 */
import { formatQuantity, resolveQuantityUp, type Quantity } from './quantity.js';

export type CanaryStep =
  | { readonly targets: Quantity }
  /** No duration: wait for `gantry promote`. */
  | { readonly pause: { readonly durationMs?: number | undefined } }
  | { readonly analysis: { readonly template: string; readonly args: Readonly<Record<string, string>> } };

export type CanaryGate =
  | { readonly kind: 'pause'; readonly afterBatch: number; readonly durationMs: number | null }
  | { readonly kind: 'analysis'; readonly afterBatch: number; readonly template: string; readonly args: Readonly<Record<string, string>> };

export interface CanaryPlan {
  readonly batches: readonly (readonly string[])[];
  /** In step order; `afterBatch` is the index of the batch they follow. */
  readonly gates: readonly CanaryGate[];
}

/**
 * Why a list of canary steps cannot be right whatever the fleet, or null: it must begin with a
 * `targets` step, and shares must grow (a smaller share after a larger one would mean
 * switching targets back).
 */
export function canaryStepsProblem(steps: readonly CanaryStep[]): { readonly index: number; readonly message: string } | null {
  if (steps.length === 0) return { index: 0, message: 'a canary needs at least one step' };
  if (!('targets' in steps[0]!)) return { index: 0, message: 'the first step must be `targets`: there is nothing to pause on or analyse before' };
  const amount = (quantity: Quantity) => ('percent' in quantity ? quantity.percent : quantity.count);
  let previous: Quantity | null = null;
  for (const [index, step] of steps.entries()) {
    if (!('targets' in step)) continue;
    const current = step.targets;
    // A count and a share compare only once the fleet is known: planCanary keeps those monotonic.
    const comparable = previous !== null && 'percent' in previous === 'percent' in current;
    if (comparable && amount(current) <= amount(previous!)) {
      return { index, message: `targets ${formatQuantity(current)} must be more than the ${formatQuantity(previous!)} of an earlier step` };
    }
    previous = current;
  }
  return null;
}

export function planCanary(targetNames: readonly string[], steps: readonly CanaryStep[]): CanaryPlan {
  const targets = [...new Set(targetNames)].sort();
  const batches: string[][] = [];
  const gates: CanaryGate[] = [];
  let switched = 0;
  for (const step of steps) {
    if ('targets' in step) {
      // Monotonic whatever the mix of counts and shares: a step never takes targets back.
      const upTo = Math.min(targets.length, Math.max(1, resolveQuantityUp(step.targets, targets.length), switched));
      if (upTo > switched) batches.push(targets.slice(switched, upTo));
      switched = upTo;
    } else if ('pause' in step) {
      gates.push({ kind: 'pause', afterBatch: batches.length - 1, durationMs: step.pause.durationMs ?? null });
    } else {
      gates.push({ kind: 'analysis', afterBatch: batches.length - 1, template: step.analysis.template, args: step.analysis.args });
    }
  }
  if (switched < targets.length) batches.push(targets.slice(switched));
  return { batches, gates };
}
