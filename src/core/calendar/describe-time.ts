import type { Interval } from './intervals.js';

/**
 * How instants and intervals read in conflict messages: UTC, to the minute when seconds are
 * zero (`2026-12-20T00:00Z`). Core knows no reader's time zone; the CLI and UI localise.
 */
export function describeInstant(instant: Date): string {
  const iso = instant.toISOString();
  if (iso.endsWith(':00.000Z')) return `${iso.slice(0, 16)}Z`;
  if (iso.endsWith('.000Z')) return `${iso.slice(0, 19)}Z`;
  return iso;
}

/** `2026-12-20T00:00Z–2027-01-02T00:00Z`, or `2026-03-21T22:00Z–23:00Z` within one UTC day. */
export function describeInterval(interval: Interval): string {
  const start = describeInstant(interval.start);
  const end = describeInstant(interval.end);
  const sameDay = start.slice(0, 10) === end.slice(0, 10);
  return `${start}–${sameDay ? end.slice(11) : end}`;
}

/** `4h`, `90m` as `1h30m`, `2d`: whole units from days down, for messages about slot lengths. */
export function describeDuration(ms: number): string {
  const units: [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]];
  let rest = Math.max(0, Math.round(ms));
  let text = '';
  for (const [unit, size] of units) {
    const count = Math.floor(rest / size);
    if (count > 0) text += `${count}${unit}`;
    rest -= count * size;
  }
  return text || '0s';
}
