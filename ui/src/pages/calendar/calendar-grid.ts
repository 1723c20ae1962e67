/**
 * The days a calendar view shows, and which items fall on which day. Days are local midnights
 * (the browser's time zone): an item is on every day its [start, end) overlaps, so a window from
 * 22:00 to 02:00 is on both days, across a month boundary too.
 */

export type CalendarView = 'month' | 'week';

/** Anything with a start and an end, ISO 8601. */
export interface Timed {
  readonly start: string;
  readonly end: string;
}

export function startOfDay(date: Date): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate());
}

/** Calendar days, not 24-hour steps: a day across a daylight-saving change is still one day. */
export function addDays(date: Date, days: number): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + days);
}

/** The Monday on or before `date`. */
export function startOfWeek(date: Date): Date {
  return addDays(startOfDay(date), -((date.getDay() + 6) % 7));
}

/** "2026-11-30", in local time: the `date` URL parameter and the key of a day. */
export function dayKey(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** A day key back to its local midnight; null for anything else. */
export function parseDayKey(key: string | null): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(key ?? '');
  if (!match) return null;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return dayKey(date) === key ? date : null;
}

/** The seven days of the week holding `date`, Monday first. */
export function weekDays(date: Date): Date[] {
  const monday = startOfWeek(date);
  return Array.from({ length: 7 }, (_, index) => addDays(monday, index));
}

/** The weeks of `date`'s month, Monday first, with the days of the months before and after that fill the first and last week. */
export function monthWeeks(date: Date): Date[][] {
  const first = new Date(date.getFullYear(), date.getMonth(), 1);
  const last = new Date(date.getFullYear(), date.getMonth() + 1, 0);
  const weeks: Date[][] = [];
  for (let monday = startOfWeek(first); monday <= last; monday = addDays(monday, 7)) weeks.push(weekDays(monday));
  return weeks;
}

/** The days a view shows, in order. */
export function viewDays(view: CalendarView, date: Date): Date[] {
  return view === 'month' ? monthWeeks(date).flat() : weekDays(date);
}

/** [from, to) covering the days shown: what to ask the calendar for. */
export function viewRange(view: CalendarView, date: Date): { from: Date; to: Date } {
  const days = viewDays(view, date);
  const first = days[0] ?? startOfDay(date);
  const last = days[days.length - 1] ?? first;
  return { from: first, to: addDays(last, 1) };
}

/** The date one month or one week before (-1) or after (+1). */
export function shiftDate(view: CalendarView, date: Date, direction: -1 | 1): Date {
  if (view === 'week') return addDays(date, 7 * direction);
  // The 1st, so that 31 January + 1 month is February, not March.
  return new Date(date.getFullYear(), date.getMonth() + direction, 1);
}

function overlaps(item: Timed, day: Date): boolean {
  return Date.parse(item.start) < addDays(day, 1).getTime() && Date.parse(item.end) > day.getTime();
}

/** Each day's items (by day key), in the order given. Days without items have an empty list. */
export function placeItems<T extends Timed>(days: readonly Date[], items: readonly T[]): Map<string, T[]> {
  return new Map(days.map((day) => [dayKey(day), items.filter((item) => overlaps(item, day))]));
}

/** An item's time on one day: "22:00–23:30", "from 22:00", "until 02:00" or "all day". */
export function spanOnDay(item: Timed, day: Date, time: (date: Date) => string): string {
  const [start, end] = [new Date(item.start), new Date(item.end)];
  const startsToday = start.getTime() >= day.getTime();
  const endsToday = end.getTime() <= addDays(day, 1).getTime();
  if (startsToday && endsToday) return `${time(start)}–${time(end)}`;
  if (startsToday) return `from ${time(start)}`;
  if (endsToday) return `until ${time(end)}`;
  return 'all day';
}
