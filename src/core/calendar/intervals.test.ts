import { describe, expect, it } from 'vitest';
import { describeDuration, describeInterval } from './describe-time.js';
import { intersectIntervals, mergeIntervals, subtractIntervals } from './intervals.js';

/** Intervals in hours after midnight UTC on 1 March 2026, to keep the cases readable. */
const h = (start: number, end: number) => ({ start: new Date(Date.UTC(2026, 2, 1, start)), end: new Date(Date.UTC(2026, 2, 1, end)) });

describe('interval arithmetic', () => {
  it('merges overlapping and touching intervals and drops empty ones', () => {
    expect(mergeIntervals([h(5, 6), h(1, 3), h(2, 4), h(4, 5), h(8, 8)])).toEqual([h(1, 6)]);
  });

  it('intersects two sets of intervals', () => {
    expect(intersectIntervals([h(1, 5), h(7, 10)], [h(0, 2), h(4, 8), h(9, 12)])).toEqual([h(1, 2), h(4, 5), h(7, 8), h(9, 10)]);
  });

  it('subtracts one set from another', () => {
    expect(subtractIntervals([h(0, 10)], [h(2, 3), h(2, 4), h(8, 12)])).toEqual([h(0, 2), h(4, 8)]);
    expect(subtractIntervals([h(0, 10)], [h(0, 10)])).toEqual([]);
  });
});

describe('describing time', () => {
  it('writes intervals in UTC to the minute, shortening the end within one day', () => {
    expect(describeInterval(h(22, 23))).toBe('2026-03-01T22:00Z–23:00Z');
    expect(describeInterval({ start: new Date('2026-12-20T00:00:00Z'), end: new Date('2027-01-02T00:00:30Z') })).toBe('2026-12-20T00:00Z–2027-01-02T00:00:30Z');
  });

  it('writes durations in whole units', () => {
    expect(describeDuration(4 * 3_600_000)).toBe('4h');
    expect(describeDuration(90 * 60_000)).toBe('1h30m');
    expect(describeDuration(2 * 86_400_000)).toBe('2d');
  });
});
