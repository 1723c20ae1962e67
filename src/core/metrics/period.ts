/**
 * The period a metric covers, as people give it: `30d`, `12h`, `2w` back from now, or an ISO
 * 8601 time. The clock is the caller's.
 */
import { GantryError } from '../errors.js';

const UNIT_MS = { h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const RELATIVE = /^(\d{1,5})([hdw])$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
export const DEFAULT_PERIOD = '30d';

/** `30d` → 30 days before `now`; an ISO time as written (a date alone is midnight UTC); undefined when it is neither. */
export function parsePeriodBound(text: string, now: Date): Date | undefined {
  const relative = RELATIVE.exec(text.trim());
  if (relative) return new Date(now.getTime() - Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS]);
  if (!ISO_TIME.test(text.trim())) return undefined;
  const time = Date.parse(text.trim());
  return Number.isNaN(time) ? undefined : new Date(time);
}

/** The period from `since` (default 30 days back) to `until` (default now); a bad bound is a REQUEST_INVALID naming it. */
export function resolvePeriod(now: Date, since: string | undefined, until: string | undefined): { readonly since: string; readonly until: string } {
  const bound = (text: string, where: 'since' | 'until') => {
    const parsed = parsePeriodBound(text, now);
    if (!parsed) throw new GantryError('REQUEST_INVALID', `${where}: expected a time back from now like 30d, 12h or 2w, or an ISO 8601 time like 2026-11-01T00:00:00Z; got ${JSON.stringify(text.slice(0, 60))}`, { where });
    return parsed;
  };
  const end = until === undefined ? now : bound(until, 'until');
  const start = bound(since ?? DEFAULT_PERIOD, 'since');
  if (start.getTime() >= end.getTime()) {
    throw new GantryError('REQUEST_INVALID', `since: the period must start before it ends (since ${start.toISOString()}, until ${end.toISOString()})`, { where: 'since' });
  }
  return { since: start.toISOString(), until: end.toISOString() };
}
