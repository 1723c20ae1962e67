import { describe, expect, it } from 'vitest';
import { canaryStepsProblem, planCanary, type CanaryStep } from './plan-canary.js';

const names = (count: number) => Array.from({ length: count }, (_, index) => `t${String(index).padStart(2, '0')}`);
const percent = (value: number): CanaryStep => ({ targets: { percent: value } });
const count = (value: number): CanaryStep => ({ targets: { count: value } });
const pause = (durationMs?: number): CanaryStep => ({ pause: { durationMs } });

describe('planCanary', () => {
  it('turns shares into cumulative target counts, rounding up, and ends at 100%', () => {
    const plan = planCanary(names(10), [percent(10), pause(60_000), percent(50), pause()]);
    expect(plan.batches.map((batch) => batch.length)).toEqual([1, 4, 5]);
    expect(plan.batches.flat()).toEqual(names(10));
    expect(plan.gates).toEqual([
      { kind: 'pause', afterBatch: 0, durationMs: 60_000 },
      { kind: 'pause', afterBatch: 1, durationMs: null },
    ]);
  });

  it('switches at least one target at the first step, even when the share rounds to less', () => {
    expect(planCanary(names(3), [percent(1), percent(100)]).batches).toEqual([['t00'], ['t01', 't02']]);
  });

  it('adds no empty batch when a small fleet makes two steps the same count; the gates keep their order', () => {
    const plan = planCanary(names(2), [percent(10), pause(1000), percent(20), { analysis: { template: 'errors', args: { max: '1' } } }]);
    expect(plan.batches).toEqual([['t00'], ['t01']]);
    expect(plan.gates).toEqual([
      { kind: 'pause', afterBatch: 0, durationMs: 1000 },
      { kind: 'analysis', afterBatch: 0, template: 'errors', args: { max: '1' } },
    ]);
  });

  it('never takes targets back, whatever the mix of counts and shares, and never goes past the fleet', () => {
    for (let fleet = 1; fleet <= 30; fleet++) {
      const steps = [count(3), percent(10), count(1), percent(60), count(50)];
      const plan = planCanary(names(fleet), steps);
      expect(plan.batches.flat()).toEqual(names(fleet));
      expect(plan.batches.every((batch) => batch.length > 0)).toBe(true);
    }
  });

  it('plans nothing for an empty environment', () => {
    expect(planCanary([], [percent(50)])).toEqual({ batches: [], gates: [] });
  });

  it('orders targets by name and drops duplicates, like every plan', () => {
    expect(planCanary(['b', 'a', 'b', 'c'], [count(1)]).batches).toEqual([['a'], ['b', 'c']]);
  });
});

describe('canaryStepsProblem', () => {
  it('accepts growing shares and counts', () => {
    expect(canaryStepsProblem([percent(10), pause(), percent(50), count(2), count(3)])).toBeNull();
  });

  it('refuses an empty list, a first step that is not targets, and a share that does not grow', () => {
    expect(canaryStepsProblem([])).toMatchObject({ index: 0 });
    expect(canaryStepsProblem([pause(), percent(50)])).toMatchObject({ index: 0, message: expect.stringContaining('first step') });
    expect(canaryStepsProblem([percent(50), pause(), percent(20)])).toEqual({ index: 2, message: 'targets 20% must be more than the 50% of an earlier step' });
    expect(canaryStepsProblem([count(2), count(2)])).toMatchObject({ index: 1 });
  });
});
