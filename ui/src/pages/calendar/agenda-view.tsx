import { dayKey, placeItems, spanOnDay } from './calendar-grid.js';
import { CalendarItemView } from './calendar-item-view.js';
import type { CalendarItem } from './calendar-items.js';
import { dayHeading, timeOf } from './calendar-time.js';

/** For phone-width screens: the days that have something, one after the other. */
export function AgendaView({ days, items, today }: { days: readonly Date[]; items: readonly CalendarItem[]; today: Date }) {
  const placed = placeItems(days, items);
  const busy = days.filter((day) => (placed.get(dayKey(day)) ?? []).length > 0);
  if (busy.length === 0) return <p className="empty">Nothing planned in this period.</p>;
  return (
    <div className="calendar-agenda">
      {busy.map((day) => (
        <section key={dayKey(day)} aria-labelledby={`agenda-${dayKey(day)}`}>
          <h3 id={`agenda-${dayKey(day)}`}>
            {dayHeading.format(day)}
            {dayKey(day) === dayKey(today) && ' (today)'}
          </h3>
          <ul className="calendar-day-items">
            {(placed.get(dayKey(day)) ?? []).map((item) => (
              <li key={item.key}>
                <CalendarItemView item={item} time={spanOnDay(item, day, timeOf)} />
              </li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}
