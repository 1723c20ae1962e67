import { GantryError } from '../core/errors.js';
import type { StepError } from '../core/model.js';
import { LeaseLostError } from './ports.js';

/** What a failure means for a run: stop quietly, or record it against the target. */
export type StepFailure = { readonly kind: 'stopped' } | { readonly kind: 'failed'; readonly error: StepError };

/** A failure after which the target's connection cannot be trusted and must be reopened. */
export function isConnectionLost(failure: StepFailure): boolean {
  return failure.kind === 'failed' && failure.error.code === 'TARGET_UNREACHABLE';
}

export function classifyStepFailure(error: unknown, signal: AbortSignal): StepFailure {
  if (error instanceof LeaseLostError || signal.aborted) return { kind: 'stopped' };
  if (error instanceof GantryError) return { kind: 'failed', error: { code: error.code, message: error.message } };
  return { kind: 'failed', error: { code: 'INTERNAL', message: 'an unexpected error happened; the server log has the details' } };
}
