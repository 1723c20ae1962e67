import { dayKey, placeItems, spanOnDay, weekDays } from './calendar-grid.js';
import { CalendarItemView } from './calendar-item-view.js';
import type { CalendarItem } from './calendar-items.js';
import { dayHeading, timeOf, weekColumn } from './calendar-time.js';

/** The week's seven days as columns, each with its items and their times. */
export function WeekView({ date, items, today }: { date: Date; items: readonly CalendarItem[]; today: Date }) {
  const days = weekDays(date);
  const placed = placeItems(days, items);
  return (
    <div className="grid-scroll">
      <table className="calendar-week">
        <thead>
          <tr>
            {days.map((day) => {
              const isToday = dayKey(day) === dayKey(today);
              return (
                <th key={dayKey(day)} scope="col" aria-current={isToday ? 'date' : undefined} className={isToday ? 'calendar-day-today' : undefined}>
                  <abbr title={dayHeading.format(day)}>{weekColumn.format(day)}</abbr>
                  {isToday && <span className="calendar-today-word"> today</span>}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          <tr>
            {days.map((day) => {
              const onDay = placed.get(dayKey(day)) ?? [];
              return (
                <td key={dayKey(day)} className="calendar-day">
                  {onDay.length === 0 ? (
                    <span className="muted small">Nothing planned</span>
                  ) : (
                    <ul className="calendar-day-items">
                      {onDay.map((item) => (
                        <li key={item.key}>
                          <CalendarItemView item={item} time={spanOnDay(item, day, timeOf)} />
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
              );
            })}
          </tr>
        </tbody>
      </table>
    </div>
  );
}
