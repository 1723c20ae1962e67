import { describe, expect, it } from 'vitest';
import { strategySchema } from '../manifest/schema.js';
import { failuresExceeded, planRollout } from './plan-batches.js';

const targets = (n: number) => Array.from({ length: n }, (_, i) => `t${String(i).padStart(2, '0')}`);
const rolling = (batch: string | number, maxFailures: string | number = 0) => strategySchema.parse({ type: 'rolling', batch, maxFailures });

describe('planRollout', () => {
  it.each([
    // targets, batch, expected batch sizes
    [10, 3, [3, 3, 3, 1]],
    [10, '25%', [3, 3, 3, 1]],
    [3, '25%', [1, 1, 1]],
    [4, '50%', [2, 2]],
    [5, '100%', [5]],
    [2, 5, [2]],
    [3, '0%', [1, 1, 1]],
    [3, 0, [1, 1, 1]],
    [1, '10%', [1]],
  ] as const)('splits %i targets with batch %s into %j', (count, batch, sizes) => {
    const plan = planRollout(targets(count), rolling(batch));
    expect(plan.batches.map((b) => b.length)).toEqual(sizes);
    expect(plan.batches.flat()).toEqual(targets(count));
  });

  it('puts every target in one batch for allAtOnce', () => {
    expect(planRollout(targets(7), strategySchema.parse({ type: 'allAtOnce' })).batches).toEqual([targets(7)]);
  });

  it('orders targets by name and drops duplicates, so the same input gives the same plan', () => {
    expect(planRollout(['c', 'a', 'b', 'a'], rolling(2)).batches).toEqual([['a', 'b'], ['c']]);
  });

  it('plans nothing for no targets', () => {
    expect(planRollout([], rolling(1)).batches).toEqual([]);
  });

  it.each([
    [10, 0, 0],
    [10, 2, 2],
    [10, '10%', 1],
    [5, '10%', 0],
    [5, '50%', 2],
    [4, '100%', 4],
  ] as const)('with %i targets maxFailures %s tolerates %i failures', (count, maxFailures, allowed) => {
    expect(planRollout(targets(count), rolling(1, maxFailures)).allowedFailures).toBe(allowed);
  });
});

describe('failuresExceeded', () => {
  it('is exceeded only past the tolerance', () => {
    expect(failuresExceeded(0, 0)).toBe(false);
    expect(failuresExceeded(1, 0)).toBe(true);
    expect(failuresExceeded(2, 2)).toBe(false);
    expect(failuresExceeded(3, 2)).toBe(true);
  });
});

describe('strategy quantities', () => {
  it.each(['-1', '101%', 'abc', '1.5', '%'])('refuses %s', (value) => {
    expect(strategySchema.safeParse({ type: 'rolling', batch: value }).success).toBe(false);
  });
});

describe('planRollout for progressive strategies', () => {
  it('plans a canary as batches and gates', () => {
    const canary = strategySchema.parse({ type: 'canary', steps: [{ targets: '20%' }, { pause: { duration: '1m' } }, { targets: 3 }, { analysis: { template: 'errors' } }] });
    const plan = planRollout(targets(5), canary);
    expect(plan.batches).toEqual([['t00'], ['t01', 't02'], ['t03', 't04']]);
    expect(plan.gates).toEqual([
      { kind: 'pause', afterBatch: 0, durationMs: 60_000 },
      { kind: 'analysis', afterBatch: 1, template: 'errors', args: {} },
    ]);
  });

  it('plans blue-green as one batch on the idle slot, with its gates before the switch', () => {
    const blueGreen = (extra: object) => strategySchema.parse({ type: 'blueGreen', slots: { blue: {}, green: {} }, ...extra });
    expect(planRollout(targets(3), blueGreen({}))).toEqual({ batches: [targets(3)], allowedFailures: 0, gates: [], slot: 'blue' });
    expect(planRollout(targets(3), blueGreen({}), 'blue').slot).toBe('green');
    expect(planRollout(targets(3), blueGreen({}), 'green').slot).toBe('blue');
    expect(planRollout(targets(2), blueGreen({ autoPromote: false, previewAnalysis: { template: 'smoke' } }), 'green').gates).toEqual([
      { kind: 'analysis', afterBatch: 0, template: 'smoke', args: {} },
      { kind: 'pause', afterBatch: 0, durationMs: null },
    ]);
  });
});

