/**
 * A span of time between two instants, half-open: it contains `start` and stops just before
 * `end`. So a change that ends at 23:00 and one that starts at 23:00 do not overlap, and
 * back-to-back changes are allowed (ServiceNow's `allow_contiguous_changes`, on by default).
 */
export interface Interval {
  readonly start: Date;
  readonly end: Date;
}

export function overlaps(a: Interval, b: Interval): boolean {
  return a.start.getTime() < b.end.getTime() && b.start.getTime() < a.end.getTime();
}

export function containsInstant(interval: Interval, instant: Date): boolean {
  return interval.start.getTime() <= instant.getTime() && instant.getTime() < interval.end.getTime();
}

export function lengthMs(interval: Interval): number {
  return interval.end.getTime() - interval.start.getTime();
}

/** Sorted by start, empty intervals dropped, overlapping or touching ones joined. */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals.filter((interval) => lengthMs(interval) > 0).sort((a, b) => a.start.getTime() - b.start.getTime());
  const merged: Interval[] = [];
  for (const interval of sorted) {
    const last = merged.at(-1);
    if (last && interval.start.getTime() <= last.end.getTime()) {
      if (interval.end.getTime() > last.end.getTime()) merged[merged.length - 1] = { start: last.start, end: interval.end };
    } else {
      merged.push(interval);
    }
  }
  return merged;
}

/** The time covered by both `a` and `b`, merged. */
export function intersectIntervals(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const left = mergeIntervals(a);
  const right = mergeIntervals(b);
  const common: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) {
    const l = left[i]!;
    const r = right[j]!;
    const start = Math.max(l.start.getTime(), r.start.getTime());
    const end = Math.min(l.end.getTime(), r.end.getTime());
    if (start < end) common.push({ start: new Date(start), end: new Date(end) });
    if (l.end.getTime() < r.end.getTime()) i++;
    else j++;
  }
  return common;
}

/** The time in `from` that no interval of `minus` covers, merged. */
export function subtractIntervals(from: readonly Interval[], minus: readonly Interval[]): Interval[] {
  const removed = mergeIntervals(minus);
  const left: Interval[] = [];
  for (const interval of mergeIntervals(from)) {
    let cursor = interval.start.getTime();
    const end = interval.end.getTime();
    for (const cut of removed) {
      if (cut.end.getTime() <= cursor || cut.start.getTime() >= end) continue;
      if (cut.start.getTime() > cursor) left.push({ start: new Date(cursor), end: cut.start });
      cursor = Math.max(cursor, cut.end.getTime());
    }
    if (cursor < end) left.push({ start: new Date(cursor), end: interval.end });
  }
  return left;
}
