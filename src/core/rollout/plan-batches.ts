import type { Strategy } from '../manifest/schema.js';
import { planCanary, type CanaryGate } from './plan-canary.js';
import { resolveQuantityDown, resolveQuantityUp } from './quantity.js';

/** The stored plan of a deployment: which targets go in which batch, in order. */
export interface RolloutPlan {
  readonly batches: readonly (readonly string[])[];
  /** How many targets may fail before the strategy's onFailure applies. */
  readonly allowedFailures: number;
  /** Pauses and analyses between batches (canary), in the order they are passed. */
  readonly gates?: readonly CanaryGate[];
}

/**
 * Splits the targets into batches. Targets are ordered by name so the same inputs always give
 * the same plan. A batch share rounds up and is at least one target; a batch larger than the
 * fleet is the whole fleet.
 */
export function planRollout(targetNames: readonly string[], strategy: Strategy): RolloutPlan {
  const targets = [...new Set(targetNames)].sort();
  const allowedFailures = resolveQuantityDown(strategy.maxFailures, targets.length);
  if (targets.length === 0) return { batches: [], allowedFailures };
  if (strategy.type === 'canary') return { ...planCanary(targets, strategy.steps), allowedFailures };
  const size = strategy.type === 'allAtOnce' ? targets.length : Math.max(1, Math.min(targets.length, resolveQuantityUp(strategy.batch, targets.length)));
  const batches: string[][] = [];
  for (let start = 0; start < targets.length; start += size) batches.push(targets.slice(start, start + size));
  return { batches, allowedFailures };
}

/** Whether failures have gone past what the strategy tolerates. */
export function failuresExceeded(failures: number, allowedFailures: number): boolean {
  return failures > allowedFailures;
}
