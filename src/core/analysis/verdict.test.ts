import { describe, expect, it } from 'vitest';
import { GantryError } from '../errors.js';
import { parseCondition } from './condition.js';
import { analysisOutcome, DEFAULT_ANALYSIS_LIMITS, measurementPhase, type AnalysisLimits, type MeasurementPhase } from './verdict.js';

const success = parseCondition('result >= 0.95');
const failure = parseCondition('result < 0.5');
const alwaysTrue = parseCondition('result > 0');
const broken = parseCondition('result.rate > 0'); // cannot be evaluated on a number

describe('measurementPhase', () => {
  it.each([
    // label, phase, successCondition, failureCondition, value, message
    ['no condition', 'successful', undefined, undefined, 0.7, 'no successCondition or failureCondition, so a measured value (0.7) counts as successful'],
    ['success only, holds', 'successful', success, undefined, 0.97, 'successCondition `result >= 0.95` holds for result 0.97'],
    ['success only, does not hold', 'failed', success, undefined, 0.7, 'successCondition `result >= 0.95` does not hold for result 0.7'],
    ['failure only, holds', 'failed', undefined, failure, 0.3, 'failureCondition `result < 0.5` holds for result 0.3'],
    ['failure only, does not hold', 'successful', undefined, failure, 0.7, 'failureCondition `result < 0.5` does not hold for result 0.7'],
    ['both, success holds', 'successful', success, failure, 0.97, 'successCondition `result >= 0.95` holds for result 0.97'],
    ['both, failure holds', 'failed', success, failure, 0.3, 'failureCondition `result < 0.5` holds for result 0.3'],
    ['both, neither holds', 'inconclusive', success, failure, 0.7, 'neither successCondition `result >= 0.95` nor failureCondition `result < 0.5` holds for result 0.7'],
    ['both hold: failure wins', 'failed', alwaysTrue, alwaysTrue, 1, 'failureCondition `result > 0` holds for result 1'],
    ['success only, cannot be evaluated', 'error', broken, undefined, 0.9, 'successCondition `result.rate > 0` could not be evaluated for result 0.9: cannot read property "rate" of a number (at character 8)'],
    ['failure only, cannot be evaluated', 'error', undefined, broken, 0.9, 'failureCondition `result.rate > 0` could not be evaluated for result 0.9'],
    ['success cannot be evaluated, failure would hold', 'error', broken, alwaysTrue, 0.9, 'successCondition `result.rate > 0` could not be evaluated'],
    ['failure cannot be evaluated, success would hold', 'error', alwaysTrue, broken, 0.9, 'failureCondition `result.rate > 0` could not be evaluated'],
    ['no value at all', 'error', success, undefined, undefined, 'could not be evaluated for result undefined: result is undefined, not JSON data'],
  ] as const)('%s → %s', (_label, phase, successCondition, failureCondition, value, message) => {
    const verdict = measurementPhase({ success: successCondition, failure: failureCondition, value });
    expect(verdict.phase).toBe(phase);
    expect(verdict.message).toContain(message);
  });

  it('shows NaN, and shortens a long value', () => {
    expect(measurementPhase({ success: parseCondition('isNaN(result[0])'), value: [Number.NaN] }).message).toBe('successCondition `isNaN(result[0])` holds for result ["NaN"]');
    const long = measurementPhase({ success: parseCondition('len(result) > 0'), value: Array.from({ length: 100 }, (_, i) => i) }).message;
    expect(long).toMatch(/holds for result \[0,1,2,.*…$/);
    expect(long.length).toBeLessThan(140);
  });
});

const limits = (overrides: Partial<AnalysisLimits> = {}): AnalysisLimits => ({ count: 5, ...DEFAULT_ANALYSIS_LIMITS, ...overrides });
const repeat = (phase: MeasurementPhase, times: number): MeasurementPhase[] => Array.from({ length: times }, () => phase);
const s = 'successful';
const f = 'failed';
const i = 'inconclusive';
const e = 'error';

describe('analysisOutcome', () => {
  it('uses Argo Rollouts defaults', () => {
    expect(DEFAULT_ANALYSIS_LIMITS).toEqual({ failureLimit: 0, inconclusiveLimit: 0, consecutiveErrorLimit: 4 });
  });

  it.each([
    // label, outcome, phases, limits, reason
    ['nothing measured yet', 'running', [], limits(), 'no measurement has been taken yet'],
    ['some measured', 'running', [s, s], limits(), '2 of 5 measurements done so far without crossing a limit (2 successful, 0 failed, 0 inconclusive)'],
    ['count reached', 'successful', repeat(s, 5), limits(), '5 of 5 measurements done without crossing a limit (5 successful, 0 failed, 0 inconclusive)'],
    ['count of one', 'successful', [s], limits({ count: 1 }), '1 of 1 measurement done without crossing a limit'],
    ['no count: measures until stopped', 'running', repeat(s, 12), limits({ count: null }), '12 measurements done without crossing a limit (12 successful, 0 failed, 0 inconclusive); the analysis measures until it is stopped'],
    ['one failure, failureLimit 0', 'failed', [s, f], limits(), '1 of 2 measurements failed, more than failureLimit 0'],
    ['failures up to failureLimit', 'running', [f, s, f], limits({ failureLimit: 2 }), '3 of 5 measurements done so far without crossing a limit (1 successful, 2 failed, 0 inconclusive)'],
    ['failures within failureLimit at count', 'successful', [f, s, f, s, s], limits({ failureLimit: 2 }), '5 of 5 measurements done without crossing a limit (3 successful, 2 failed, 0 inconclusive)'],
    ['failures above failureLimit on the last measurement', 'failed', [s, f, s, f, f], limits({ failureLimit: 2 }), '3 of 5 measurements failed, more than failureLimit 2'],
    ['failureLimit −1 tolerates any failure', 'successful', repeat(f, 5), limits({ failureLimit: -1 }), '5 of 5 measurements done without crossing a limit (0 successful, 5 failed, 0 inconclusive)'],
    ['failureLimit −1 without count', 'running', repeat(f, 50), limits({ failureLimit: -1, count: null }), '50 measurements done'],
    ['one inconclusive, inconclusiveLimit 0', 'inconclusive', [s, i], limits(), '1 of 2 measurements were inconclusive, more than inconclusiveLimit 0'],
    ['inconclusive within inconclusiveLimit', 'running', [i, s], limits({ inconclusiveLimit: 1 }), '2 of 5 measurements done so far'],
    ['inconclusive above inconclusiveLimit', 'inconclusive', [i, s, i], limits({ inconclusiveLimit: 1 }), '2 of 3 measurements were inconclusive, more than inconclusiveLimit 1'],
    ['errors up to consecutiveErrorLimit', 'running', repeat(e, 4), limits(), '0 of 5 measurements done so far without crossing a limit (0 successful, 0 failed, 0 inconclusive; 4 errors retried)'],
    ['errors above consecutiveErrorLimit', 'error', repeat(e, 5), limits(), '5 measurements in a row had errors, more than consecutiveErrorLimit 4'],
    ['one error with consecutiveErrorLimit 0', 'error', [s, e], limits({ consecutiveErrorLimit: 0 }), 'a measurement had an error, more than consecutiveErrorLimit 0'],
    ['a non-error resets the run of errors', 'running', [...repeat(e, 4), s, ...repeat(e, 4)], limits(), '1 of 5 measurements done so far without crossing a limit (1 successful, 0 failed, 0 inconclusive; 8 errors retried)'],
    ['a run above the limit stays decisive after it ends', 'error', [...repeat(e, 5), s], limits(), '5 measurements in a row had errors'],
    ['errors do not count towards count', 'successful', [s, e, s, s, e, s, s], limits(), '5 of 5 measurements done without crossing a limit (5 successful, 0 failed, 0 inconclusive; 2 errors retried)'],
    ['an error does not complete the count', 'running', [s, s, s, s, e], limits(), '4 of 5 measurements done so far'],
    ['a crossed limit beats a reached count', 'failed', [s, s, s, s, f], limits(), '1 of 5 measurements failed, more than failureLimit 0'],
    ['failed beats error', 'failed', [f, ...repeat(e, 5)], limits(), '1 of 6 measurements failed'],
    ['failed beats inconclusive', 'failed', [i, f], limits(), '1 of 2 measurements failed'],
    ['error beats inconclusive', 'error', [i, ...repeat(e, 5)], limits(), '5 measurements in a row had errors'],
    ['failed beats error and inconclusive', 'failed', [i, ...repeat(e, 5), f], limits({ count: null }), '1 of 7 measurements failed'],
  ] as const)('%s → %s', (_label, outcome, phases, metricLimits, reason) => {
    const verdict = analysisOutcome(phases, metricLimits);
    expect(verdict).toEqual({ outcome, reason: expect.stringContaining(reason) });
  });

  it.each([
    [{ count: 0 }, 'count must be a whole number of at least 1, or null to measure until the analysis is stopped, not 0', 'count'],
    [{ count: 2.5 }, 'count must be a whole number', 'count'],
    [{ failureLimit: -2 }, 'failureLimit must be a whole number of at least -1 (−1 tolerates any number of failures), not -2', 'failureLimit'],
    [{ failureLimit: 0.5 }, 'failureLimit must be a whole number', 'failureLimit'],
    [{ inconclusiveLimit: -1 }, 'inconclusiveLimit must be a whole number of at least 0, not -1', 'inconclusiveLimit'],
    [{ consecutiveErrorLimit: Number.NaN }, 'consecutiveErrorLimit must be a whole number of at least 0, not NaN', 'consecutiveErrorLimit'],
  ] as const)('refuses limits %j', (overrides, message, where) => {
    try {
      analysisOutcome([], limits(overrides));
      expect.unreachable('the limits were accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(GantryError);
      expect(error).toMatchObject({ code: 'MANIFEST_INVALID', message: expect.stringContaining(message), details: { where } });
    }
  });
});
