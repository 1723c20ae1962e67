import { GantryError, isGantryError } from '../errors.js';
import { evaluateCondition, type Condition } from './condition.js';

/**
 * Verdicts of metric analysis with Argo Rollouts semantics: what one measurement means
 * (`measurementPhase`), and what a metric's measurements so far add up to (`analysisOutcome`).
 * The caller takes the measurements, at its own pace; nothing here reads a clock.
 */

export type MeasurementPhase = 'successful' | 'failed' | 'inconclusive' | 'error';

export interface Measurement {
  readonly success?: Condition;
  readonly failure?: Condition;
  /** The value the provider returned, bound to `result` in the conditions. */
  readonly value: unknown;
}

/** Evaluates one condition; an evaluation problem comes back as its message. */
function check(name: string, condition: Condition, value: unknown): boolean | { readonly error: string } {
  try {
    return evaluateCondition(condition, value);
  } catch (error) {
    // Only the evaluator's typed errors describe the measurement; anything else is a bug in Gantry.
    if (!isGantryError(error)) throw error;
    return { error: `${name} \`${condition.source}\` could not be evaluated for result ${showValue(value)}: ${error.message}` };
  }
}

/**
 * The phase of one measurement. As in Argo Rollouts (utils/evaluate EvaluateResult), both given
 * conditions are evaluated before deciding, so a condition that cannot be evaluated makes the
 * measurement an error even when the other one would have decided it; a failureCondition that
 * holds beats a successCondition that holds; with no condition at all a measurement that
 * returned a value is successful (Argo's code; older Argo docs called it inconclusive).
 */
export function measurementPhase(input: Measurement): { phase: MeasurementPhase; message: string } {
  const { success, failure, value } = input;
  const succeeded = success === undefined ? undefined : check('successCondition', success, value);
  if (typeof succeeded === 'object') return { phase: 'error', message: succeeded.error };
  const failed = failure === undefined ? undefined : check('failureCondition', failure, value);
  if (typeof failed === 'object') return { phase: 'error', message: failed.error };

  const shown = showValue(value);
  if (failure !== undefined && failed === true) {
    return { phase: 'failed', message: `failureCondition \`${failure.source}\` holds for result ${shown}` };
  }
  if (success !== undefined) {
    if (succeeded === true) return { phase: 'successful', message: `successCondition \`${success.source}\` holds for result ${shown}` };
    if (failure !== undefined) {
      return { phase: 'inconclusive', message: `neither successCondition \`${success.source}\` nor failureCondition \`${failure.source}\` holds for result ${shown}` };
    }
    return { phase: 'failed', message: `successCondition \`${success.source}\` does not hold for result ${shown}` };
  }
  if (failure !== undefined) return { phase: 'successful', message: `failureCondition \`${failure.source}\` does not hold for result ${shown}` };
  return { phase: 'successful', message: `the metric has no successCondition or failureCondition, so a measured value (${shown}) counts as successful` };
}

const SHOWN_VALUE_LENGTH = 80;

/** A short rendering of the measured value for messages; NaN and Infinity stay visible. */
function showValue(value: unknown): string {
  let text: string;
  if (typeof value === 'number') text = String(value);
  else if (value === undefined) text = 'undefined';
  else {
    try {
      text = JSON.stringify(value, (_key, item: unknown) => (typeof item === 'number' && !Number.isFinite(item) ? String(item) : item)) ?? String(value);
    } catch {
      text = `(${typeof value} that cannot be shown)`;
    }
  }
  return text.length > SHOWN_VALUE_LENGTH ? `${text.slice(0, SHOWN_VALUE_LENGTH - 1)}…` : text;
}

export type AnalysisOutcome = 'running' | 'successful' | 'failed' | 'inconclusive' | 'error';

export interface AnalysisLimits {
  /** How many measurements make a complete analysis; null measures until the caller stops it. */
  readonly count: number | null;
  /** How many failed measurements are tolerated; −1 tolerates any number. */
  readonly failureLimit: number;
  readonly inconclusiveLimit: number;
  /** How many errors in a row are tolerated; an error is retried and does not count towards `count`. */
  readonly consecutiveErrorLimit: number;
}

/** Argo Rollouts' defaults for a metric that does not set its limits. */
export const DEFAULT_ANALYSIS_LIMITS = { failureLimit: 0, inconclusiveLimit: 0, consecutiveErrorLimit: 4 } as const satisfies Omit<AnalysisLimits, 'count'>;

function requireLimit(name: keyof AnalysisLimits, value: number, minimum: number, hint: string): void {
  if (!Number.isInteger(value) || value < minimum) {
    throw new GantryError('MANIFEST_INVALID', `${name} must be a whole number of at least ${minimum}${hint}, not ${value}`, { where: name });
  }
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/**
 * What a metric's measurements so far add up to. A limit is crossed when its count goes *above*
 * the limit. Measurements stop at the first verdict, so normally only one limit can be crossed;
 * if a caller measured past a verdict, the worst applies — failed, then error, then inconclusive —
 * which is Argo's order of completed phases from best to worst. Errors are counted by their
 * longest run, because Argo ends the metric the moment a run goes above consecutiveErrorLimit.
 * Crossing a limit beats reaching `count`, as in Argo, which checks the limits first.
 */
export function analysisOutcome(phases: readonly MeasurementPhase[], limits: AnalysisLimits): { outcome: AnalysisOutcome; reason: string } {
  if (limits.count !== null) requireLimit('count', limits.count, 1, ', or null to measure until the analysis is stopped');
  requireLimit('failureLimit', limits.failureLimit, -1, ' (−1 tolerates any number of failures)');
  requireLimit('inconclusiveLimit', limits.inconclusiveLimit, 0, '');
  requireLimit('consecutiveErrorLimit', limits.consecutiveErrorLimit, 0, '');

  const tally = { successful: 0, failed: 0, inconclusive: 0, error: 0 };
  let errorRun = 0;
  let longestErrorRun = 0;
  for (const phase of phases) {
    tally[phase]++;
    errorRun = phase === 'error' ? errorRun + 1 : 0;
    longestErrorRun = Math.max(longestErrorRun, errorRun);
  }
  const taken = phases.length;

  if (limits.failureLimit !== -1 && tally.failed > limits.failureLimit) {
    return { outcome: 'failed', reason: `${tally.failed} of ${plural(taken, 'measurement')} failed, more than failureLimit ${limits.failureLimit}` };
  }
  if (longestErrorRun > limits.consecutiveErrorLimit) {
    const errors = longestErrorRun === 1 ? 'a measurement had an error' : `${longestErrorRun} measurements in a row had errors`;
    return { outcome: 'error', reason: `${errors}, more than consecutiveErrorLimit ${limits.consecutiveErrorLimit}` };
  }
  if (tally.inconclusive > limits.inconclusiveLimit) {
    return { outcome: 'inconclusive', reason: `${tally.inconclusive} of ${plural(taken, 'measurement')} were inconclusive, more than inconclusiveLimit ${limits.inconclusiveLimit}` };
  }

  // As in Argo, a measurement that errored is retried: it does not count towards `count`.
  const done = taken - tally.error;
  const retried = tally.error === 0 ? '' : `; ${plural(tally.error, 'error')} retried`;
  const summary = `${tally.successful} successful, ${tally.failed} failed, ${tally.inconclusive} inconclusive${retried}`;
  if (limits.count !== null && done >= limits.count) {
    return { outcome: 'successful', reason: `${done} of ${plural(limits.count, 'measurement')} done without crossing a limit (${summary})` };
  }
  if (taken === 0) return { outcome: 'running', reason: 'no measurement has been taken yet' };
  if (limits.count === null) {
    return { outcome: 'running', reason: `${plural(done, 'measurement')} done without crossing a limit (${summary}); the analysis measures until it is stopped` };
  }
  return { outcome: 'running', reason: `${done} of ${plural(limits.count, 'measurement')} done so far without crossing a limit (${summary})` };
}
