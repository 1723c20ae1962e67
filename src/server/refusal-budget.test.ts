import { describe, expect, it } from 'vitest';
import { RefusalBudget } from './refusal-budget.js';

describe('the budget of audited refusals', () => {
  let now = 0;
  const budget = (options: { perCaller?: number; total?: number; maxCallers?: number } = {}) =>
    new RefusalBudget({ perCaller: options.perCaller ?? 2, total: options.total ?? 100, windowMs: 60_000, maxCallers: options.maxCallers ?? 10, now: () => now });

  it('records at most perCaller refusals of a caller per window, and tells how many were left out with the next one', () => {
    now = 0;
    const refusals = budget();
    expect(refusals.take('mallory')).toEqual({ unrecorded: 0 });
    expect(refusals.take('mallory')).toEqual({ unrecorded: 0 });
    for (let i = 0; i < 5; i++) expect(refusals.take('mallory')).toBeNull();
    // Another caller has a budget of its own.
    expect(refusals.take('anonymous@10.0.0.2')).toEqual({ unrecorded: 0 });
    now = 60_000;
    expect(refusals.take('mallory')).toEqual({ unrecorded: 5 });
    expect(refusals.take('mallory')).toEqual({ unrecorded: 0 });
    expect(refusals.take('mallory')).toBeNull();
  });

  it('records at most `total` refusals of all callers per window', () => {
    now = 0;
    const refusals = budget({ perCaller: 10, total: 3 });
    for (const caller of ['a', 'b', 'c']) expect(refusals.take(caller)).toEqual({ unrecorded: 0 });
    expect(refusals.take('d')).toBeNull();
    now = 60_000;
    expect(refusals.take('d')).toEqual({ unrecorded: 1 });
  });

  it('keeps a bounded table of callers and counts the refusals of callers beyond it', () => {
    now = 0;
    const refusals = budget({ maxCallers: 2 });
    expect(refusals.take('anonymous@10.0.0.1')).not.toBeNull();
    expect(refusals.take('anonymous@10.0.0.2')).not.toBeNull();
    for (let i = 3; i < 1000; i++) expect(refusals.take(`anonymous@10.0.${i >> 8}.${i & 255}`)).toBeNull();
    // Told with the next record written.
    expect(refusals.take('anonymous@10.0.0.1')).toEqual({ unrecorded: 997 });
  });
});
