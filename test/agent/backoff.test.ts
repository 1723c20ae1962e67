import { describe, expect, it } from 'vitest';
import { backoffCeiling, backoffDelay, DEFAULT_BACKOFF } from '../../src/agent/backoff.js';
import { safeAgentName } from '../../src/agent/agent-name.js';
import { isSafeName } from '../../src/core/names.js';

describe('reconnect backoff', () => {
  it('doubles the ceiling from the base up to the cap', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((attempt) => backoffCeiling(attempt))).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    expect(backoffCeiling(1_000_000)).toBe(DEFAULT_BACKOFF.capMs);
    expect(backoffCeiling(-3)).toBe(1000);
  });

  it('draws each delay uniformly from 0 to the ceiling (full jitter)', () => {
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0)).toBe(0);
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0.5)).toBe(4000);
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0.999_999)).toBeLessThan(8000);
    for (let attempt = 0; attempt < 50; attempt++) {
      const delay = backoffDelay(attempt);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(Math.min(30_000, 1000 * 2 ** attempt));
      expect(Number.isInteger(delay)).toBe(true);
    }
    // Spread: many draws for the same attempt are not all alike.
    const draws = new Set(Array.from({ length: 50 }, () => backoffDelay(10)));
    expect(draws.size).toBeGreaterThan(10);
  });

  it('honours other settings', () => {
    expect(backoffCeiling(0, { baseMs: 20, capMs: 50 })).toBe(20);
    expect(backoffCeiling(5, { baseMs: 20, capMs: 50 })).toBe(50);
  });
});

describe('default agent name', () => {
  it('maps a host name to the safe name alphabet', () => {
    expect(safeAgentName('web-1')).toBe('web-1');
    expect(safeAgentName('ip-10-0-0-5.ec2.internal')).toBe('ip-10-0-0-5.ec2.internal');
    expect(safeAgentName("Bob's MacBook Pro")).toBe('Bob-s-MacBook-Pro');
    expect(safeAgentName('-x..y.')).toBe('x.y');
    expect(safeAgentName('...')).toBe('agent');
    expect(safeAgentName('')).toBe('agent');
    const long = safeAgentName('a'.repeat(300));
    expect(long).toHaveLength(100);
    for (const name of ['web-1', 'ünïcode-host', '__', 'a/b\\c', 'x'.repeat(99) + '-y']) expect(isSafeName(safeAgentName(name))).toBe(true);
  });
});
