import { dayKey, monthWeeks, placeItems, spanOnDay } from './calendar-grid.js';
import { CalendarItemView } from './calendar-item-view.js';
import type { CalendarItem } from './calendar-items.js';
import { monthTitle, shortDay, timeOf, WEEKDAYS } from './calendar-time.js';

/** A 7-column grid of the month's weeks, each day with its items. */
export function MonthView({ date, items, today }: { date: Date; items: readonly CalendarItem[]; today: Date }) {
  const weeks = monthWeeks(date);
  const placed = placeItems(weeks.flat(), items);
  const month = date.getMonth();
  return (
    <div className="grid-scroll">
      <table className="calendar-month">
        <caption className="visually-hidden">{monthTitle.format(date)}</caption>
        <thead>
          <tr>
            {(weeks[0] ?? []).map((day) => (
              <th key={day.getDay()} scope="col">
                <abbr title={WEEKDAYS.long.format(day)}>{WEEKDAYS.short.format(day)}</abbr>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {weeks.map((week) => (
            <tr key={dayKey(week[0] ?? date)}>
              {week.map((day) => {
                const key = dayKey(day);
                const isToday = key === dayKey(today);
                const outside = day.getMonth() !== month;
                return (
                  <td key={key} className={`calendar-day${outside ? ' calendar-day-outside' : ''}${isToday ? ' calendar-day-today' : ''}`} aria-current={isToday ? 'date' : undefined}>
                    <div className="calendar-day-number">
                      <time dateTime={key}>{outside ? shortDay.format(day) : day.getDate()}</time>
                      {isToday && <span className="calendar-today-word"> today</span>}
                    </div>
                    <ul className="calendar-day-items">
                      {(placed.get(key) ?? []).map((item) => (
                        <li key={item.key}>
                          <CalendarItemView item={item} time={spanOnDay(item, day, timeOf)} />
                        </li>
                      ))}
                    </ul>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
