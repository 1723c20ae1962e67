import type { CalendarDto } from '../../../../src/client/api-client.js';
import type { Timed } from './calendar-grid.js';

/** One thing on the calendar: a window opening (maintenance or freeze) or a planned change. */
export type CalendarItem = Timed & {
  readonly key: string;
  readonly kind: 'maintenance' | 'freeze' | 'change';
  readonly title: string;
  /** The change's page; windows have none. */
  readonly href: string | null;
  /** For a change: its app, environment and state. */
  readonly detail: string | null;
};

/** Freezes first (what stops work matters most), then maintenance windows, then changes; each by start. */
const KIND_ORDER = { freeze: 0, maintenance: 1, change: 2 } as const;

export function calendarItems(calendar: CalendarDto): CalendarItem[] {
  const windows = calendar.occurrences.map(
    (occurrence): CalendarItem => ({
      key: `${occurrence.kind}:${occurrence.window}:${occurrence.start}`,
      kind: occurrence.kind,
      title: occurrence.window,
      start: occurrence.start,
      end: occurrence.end,
      href: null,
      detail: null,
    }),
  );
  const changes = calendar.changes.map(
    (change): CalendarItem => ({
      key: `change:${change.id}`,
      kind: 'change',
      title: `${change.id}: ${change.title}`,
      start: change.start,
      end: change.end,
      href: `/changes/${encodeURIComponent(change.id)}`,
      detail: `${change.app} → ${change.environment}, ${change.state === 'authorize' ? 'awaiting approval' : change.state}`,
    }),
  );
  return [...windows, ...changes].sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.start.localeCompare(b.start));
}
