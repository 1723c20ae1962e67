import { describeDuration, describeInterval } from './describe-time.js';
import type { BusyInterval } from './busy.js';
import { intersectIntervals, lengthMs, mergeIntervals, subtractIntervals, type Interval } from './intervals.js';
import { occurrences } from './occurrences.js';
import { maintenanceGroups, windowApplies, type CalendarScope } from './scope.js';
import type { CalendarWindow } from './window.js';

const DAY_MS = 86_400_000;

export interface FreeSlotQuery {
  /** Search from here on (usually now). */
  readonly from: Date;
  readonly durationMs: number;
  readonly windows: readonly CalendarWindow[];
  readonly scope: CalendarScope;
  readonly busy?: readonly BusyInterval[];
  /** How far ahead to look; 90 days, as ServiceNow's scheduling assistant. */
  readonly horizonDays?: number;
  /** How many slots to propose. */
  readonly limit?: number;
}

export interface FreeSlots {
  /** Earliest first, at most one per stretch of free time, each exactly `durationMs` long. */
  readonly slots: readonly Interval[];
  /** The time that was searched: [from, from + horizon). */
  readonly searched: Interval;
  /** Present when fewer slots than asked for were found: says so in words. */
  readonly shortfall?: string;
}

/**
 * The next times a change of the given length could run for the scope: inside a maintenance
 * window of every target group that has any (any time if none does), overlapping no freeze
 * that covers the scope and none of the busy intervals. Each proposed slot starts as early as
 * its stretch of free time allows.
 */
export function freeSlots(query: FreeSlotQuery): FreeSlots {
  const { from, durationMs, windows, scope, busy = [], horizonDays = 90, limit = 5 } = query;
  const searched = { start: from, end: new Date(from.getTime() + horizonDays * DAY_MS) };
  let allowed: Interval[] = [searched];
  for (const group of maintenanceGroups(windows, scope)) {
    allowed = intersectIntervals(allowed, group.windows.flatMap((window) => occurrences(window, searched.start, searched.end)));
  }
  const freezes = windows
    .filter((window) => window.kind === 'freeze' && windowApplies(window, scope))
    .flatMap((window) => occurrences(window, searched.start, searched.end));
  const free = subtractIntervals(allowed, mergeIntervals([...freezes, ...busy]));
  const slots = free
    .filter((stretch) => lengthMs(stretch) >= durationMs)
    .slice(0, limit)
    .map((stretch) => ({ start: stretch.start, end: new Date(stretch.start.getTime() + durationMs) }));
  if (slots.length >= limit) return { slots, searched };
  return { slots, searched, shortfall: describeShortfall(slots.length, limit, durationMs, searched, allowed) };
}

function describeShortfall(found: number, limit: number, durationMs: number, searched: Interval, allowed: readonly Interval[]): string {
  const slot = `${describeDuration(durationMs)} slot`;
  const where = `in ${describeInterval(searched)}`;
  if (found > 0) return `only ${found} of ${limit} free ${slot}s ${where}`;
  if (allowed.length === 0) return `no free ${slot} ${where}: no time when a maintenance window is open for every target`;
  if (allowed.every((stretch) => lengthMs(stretch) < durationMs)) return `no free ${slot} ${where}: no maintenance window is that long`;
  return `no free ${slot} ${where}: freezes and other changes take up all the time that is long enough`;
}
