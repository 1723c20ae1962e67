import type { Calendar } from '../app/windows.js';
import type { CalendarFeedEvent } from '../core/calendar/icalendar.js';

const stamp = (date: Date) => date.toISOString().replace(/[-:]|\.\d{3}/g, '');

/** The calendar as iCalendar events: every window opening and every planned change, with stable UIDs. */
export function feedEvents(calendar: Calendar): CalendarFeedEvent[] {
  const windows = calendar.occurrences.map((occurrence) => ({
    uid: `window-${occurrence.window}-${stamp(occurrence.start)}@gantry`,
    summary: `${occurrence.kind === 'freeze' ? 'Freeze' : 'Maintenance'}: ${occurrence.window}`,
    start: occurrence.start,
    end: occurrence.end,
    categories: [occurrence.kind],
  }));
  const changes = calendar.changes.map((change) => ({
    uid: `change-${change.id}@gantry`,
    summary: `${change.id}: ${change.title}`,
    description: `${change.app} to ${change.environment}, ${change.state}`,
    start: change.start,
    end: change.end,
    categories: ['change'],
    status: change.state === 'scheduled' || change.state === 'implement' || change.state === 'review' || change.state === 'closed' ? ('CONFIRMED' as const) : ('TENTATIVE' as const),
  }));
  return [...windows, ...changes];
}
