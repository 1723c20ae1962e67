import { describe, expect, it } from 'vitest';
import { afterAttempt, judgeHttpStatus, retryDelayMs } from './delivery-schedule.js';

const settings = { baseMs: 10_000, capMs: 60_000, maxAttempts: 4 };
const now = new Date('2026-11-28T10:00:00.000Z');

describe('delivery schedule', () => {
  it('doubles the delay from the base up to the cap', () => {
    expect([1, 2, 3, 4, 5].map((attempts) => retryDelayMs(attempts, settings))).toEqual([10_000, 20_000, 40_000, 60_000, 60_000]);
  });

  it('2xx is delivered; 408, 429 and 5xx are tried again; other answers fail at once', () => {
    expect([200, 204, 408, 429, 500, 503, 400, 401, 404, 410].map(judgeHttpStatus)).toEqual(['delivered', 'delivered', 'retry', 'retry', 'retry', 'retry', 'failed', 'failed', 'failed', 'failed']);
  });

  it('schedules the next attempt, and gives up after the last one', () => {
    const retryable = { delivered: false, retryable: true };
    expect(afterAttempt(retryable, 1, now, settings)).toEqual({ state: 'pending', nextAttemptAt: '2026-11-28T10:00:10.000Z' });
    expect(afterAttempt(retryable, 2, now, settings)).toEqual({ state: 'pending', nextAttemptAt: '2026-11-28T10:00:20.000Z' });
    expect(afterAttempt(retryable, 4, now, settings)).toEqual({ state: 'failed' });
    expect(afterAttempt({ delivered: false, retryable: false }, 1, now, settings)).toEqual({ state: 'failed' });
    expect(afterAttempt({ delivered: true, retryable: false }, 3, now, settings)).toEqual({ state: 'delivered' });
  });
});
