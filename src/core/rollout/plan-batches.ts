import type { Slot, Strategy } from '../manifest/schema.js';
import { planCanary, type CanaryGate } from './plan-canary.js';
import { resolveQuantityDown, resolveQuantityUp } from './quantity.js';

/** The stored plan of a deployment: which targets go in which batch, in order. */
export interface RolloutPlan {
  readonly batches: readonly (readonly string[])[];
  /** How many targets may fail before the strategy's onFailure applies. */
  readonly allowedFailures: number;
  /** Pauses and analyses between batches (canary), in the order they are passed. */
  readonly gates?: readonly CanaryGate[];
  /** Blue-green: the slot the release goes to (the idle one when the deployment started). */
  readonly slot?: Slot;
}

/**
 * Splits the targets into batches. Targets are ordered by name so the same inputs always give
 * the same plan. A batch share rounds up and is at least one target; a batch larger than the
 * fleet is the whole fleet.
 */
export function planRollout(targetNames: readonly string[], strategy: Strategy, liveSlot: Slot | null = null): RolloutPlan {
  const targets = [...new Set(targetNames)].sort();
  const allowedFailures = resolveQuantityDown(strategy.maxFailures, targets.length);
  if (targets.length === 0) return { batches: [], allowedFailures };
  if (strategy.type === 'canary') return { ...planCanary(targets, strategy.steps), allowedFailures };
  if (strategy.type === 'blueGreen') {
    // Every target starts the release on its idle slot; the gates come before the one switch.
    const gates: CanaryGate[] = [
      ...(strategy.previewAnalysis ? [{ kind: 'analysis' as const, afterBatch: 0, ...strategy.previewAnalysis }] : []),
      ...(strategy.autoPromote ? [] : [{ kind: 'pause' as const, afterBatch: 0, durationMs: null }]),
    ];
    return { batches: [targets], allowedFailures, gates, slot: liveSlot === 'blue' ? 'green' : 'blue' };
  }
  const size = strategy.type === 'allAtOnce' ? targets.length : Math.max(1, Math.min(targets.length, resolveQuantityUp(strategy.batch, targets.length)));
  const batches: string[][] = [];
  for (let start = 0; start < targets.length; start += size) batches.push(targets.slice(start, start + size));
  return { batches, allowedFailures };
}

/** Whether failures have gone past what the strategy tolerates. */
export function failuresExceeded(failures: number, allowedFailures: number): boolean {
  return failures > allowedFailures;
}
