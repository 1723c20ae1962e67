import { CronExpressionParser } from 'cron-parser';
import { GantryError } from '../errors.js';
import { overlaps, type Interval } from './intervals.js';
import { repeatedLocalTime } from './time-zone.js';
import { isRecurring, parseWindowDuration, type CalendarWindow, type RecurringWindow } from './window.js';

/** The most openings of one window one call will walk through, so a query stays bounded. */
export const MAX_OCCURRENCES = 10_000;

/**
 * cron-parser reports an opening moved by a clock change only when its iteration starts before
 * the change (see `occurrences`), so iteration starts this far before the range. A day is
 * longer than any daylight-saving shift.
 */
const CLOCK_CHANGE_LOOKBACK_MS = 86_400_000;

/**
 * The times a window is open that overlap [from, to), as UTC intervals in order; an occurrence
 * that began before `from` or ends after `to` is included whole.
 *
 * Clock changes, for a recurring window read in its time zone:
 * - a local time that does not exist (02:30 on the day clocks go forward) opens the window as
 *   far after the change as it would have been after 02:00, i.e. at 03:30 local time. This is
 *   what cron-parser does; the look-back makes it hold for any range, not only for ranges
 *   starting before the change. Operators keep their window on that day instead of losing it.
 * - a local time that happens twice (01:30 on the day clocks go back) opens the window once, at
 *   the first. For a fixed hour cron-parser does this already; for a wildcard hour
 *   (`30 * * * *`) it would open twice, and a range starting between the two would see only the
 *   second, so the second is skipped here.
 * - a duration is real elapsed time: a 4h window opening at 00:00 on the night the clocks go
 *   back closes at 03:00 local time.
 *
 * Throws REQUEST_INVALID when the window opens more than MAX_OCCURRENCES times in the range.
 */
export function occurrences(window: CalendarWindow, from: Date, to: Date): Interval[] {
  if (to.getTime() <= from.getTime()) return [];
  if (!isRecurring(window)) {
    const once = { start: new Date(window.start), end: new Date(window.end) };
    return overlaps(once, { start: from, end: to }) ? [once] : [];
  }
  return recurringOccurrences(window, from.getTime(), to.getTime());
}

function recurringOccurrences(window: RecurringWindow, fromMs: number, toMs: number): Interval[] {
  const durationMs = parseWindowDuration(window.duration);
  if (durationMs === undefined || durationMs <= 0) {
    throw new GantryError('REQUEST_INVALID', `window "${window.name}" has no valid duration`, { where: 'duration' });
  }
  const openings = CronExpressionParser.parse(window.cron, {
    tz: window.timeZone,
    currentDate: new Date(fromMs - durationMs - CLOCK_CHANGE_LOOKBACK_MS),
  });
  const isRepeat = repeatedLocalTime(window.timeZone);
  const found: Interval[] = [];
  let previousStart = -Infinity;
  for (let walked = 1; ; walked++) {
    if (walked > MAX_OCCURRENCES) {
      throw new GantryError(
        'REQUEST_INVALID',
        `window "${window.name}" opens more than ${MAX_OCCURRENCES} times between ${new Date(fromMs).toISOString()} and ${new Date(toMs).toISOString()}; ask for a shorter range`,
        { window: window.name },
      );
    }
    const start = openings.next().getTime();
    if (start >= toMs) break;
    // cron-parser's next() is strictly later, but a moved opening can land on a regular one.
    if (start <= previousStart || isRepeat(start)) continue;
    previousStart = start;
    if (start + durationMs > fromMs) found.push({ start: new Date(start), end: new Date(start + durationMs) });
  }
  return found;
}
