import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { api } from '../../api/client.js';
import { Page } from '../../components/page.js';
import { QueryView } from '../../components/query-view.js';
import { AgendaView } from './agenda-view.js';
import { dayKey, parseDayKey, shiftDate, startOfDay, viewDays, viewRange, weekDays, type CalendarView } from './calendar-grid.js';
import { CalendarFeedLink } from './calendar-feed-link.js';
import { calendarItems } from './calendar-items.js';
import { dayRange, monthTitle, TIME_ZONE } from './calendar-time.js';
import { MonthView } from './month-view.js';
import { useNarrowScreen } from './use-narrow-screen.js';
import { WeekView } from './week-view.js';
import './calendar.css';

function periodTitle(view: CalendarView, date: Date): string {
  if (view === 'month') return monthTitle.format(date);
  const days = weekDays(date);
  return `Week of ${dayRange.formatRange(days[0] ?? date, days[6] ?? date)}`;
}

export function CalendarPage() {
  const [params, setParams] = useSearchParams();
  const view: CalendarView = params.get('view') === 'week' ? 'week' : 'month';
  const today = startOfDay(new Date());
  const date = parseDayKey(params.get('date')) ?? today;
  const narrow = useNarrowScreen();
  const range = viewRange(view, date);
  const calendar = useQuery({
    queryKey: ['calendar', dayKey(range.from), dayKey(range.to)],
    queryFn: () => api.calendar({ from: range.from.toISOString(), to: range.to.toISOString() }),
  });
  const go = (next: { view?: CalendarView; date?: Date | null }) =>
    setParams((current) => {
      const updated = new URLSearchParams(current);
      if (next.view) updated.set('view', next.view);
      if (next.date === null) updated.delete('date');
      else if (next.date) updated.set('date', dayKey(next.date));
      return updated;
    });
  const title = periodTitle(view, date);

  return (
    <Page title="Calendar" actions={<CalendarFeedLink />}>
      <div className="calendar-toolbar">
        <div role="group" aria-label="View" className="calendar-buttons">
          {(['month', 'week'] as const).map((option) => (
            <button key={option} type="button" className={`button${view === option ? ' button-primary' : ''}`} aria-pressed={view === option} onClick={() => go({ view: option })}>
              {option === 'month' ? 'Month' : 'Week'}
            </button>
          ))}
        </div>
        <div role="group" aria-label="Period" className="calendar-buttons">
          <button type="button" className="button" onClick={() => go({ date: shiftDate(view, date, -1) })}>
            Previous
          </button>
          <button type="button" className="button" onClick={() => go({ date: null })}>
            Today
          </button>
          <button type="button" className="button" onClick={() => go({ date: shiftDate(view, date, 1) })}>
            Next
          </button>
        </div>
        <p className="muted small calendar-zone">Times in {TIME_ZONE}</p>
      </div>
      <h2 aria-live="polite">{title}</h2>
      <QueryView query={calendar} what="the calendar">
        {(found) => {
          const items = calendarItems(found);
          if (narrow) return <AgendaView days={viewDays(view, date).filter((day) => view === 'week' || day.getMonth() === date.getMonth())} items={items} today={today} />;
          return view === 'month' ? <MonthView date={date} items={items} today={today} /> : <WeekView date={date} items={items} today={today} />;
        }}
      </QueryView>
    </Page>
  );
}
