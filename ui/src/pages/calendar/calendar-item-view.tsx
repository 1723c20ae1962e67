import { Link } from 'react-router';
import type { CalendarItem } from './calendar-items.js';

/** Words and a symbol per kind: a freeze is never told apart by colour alone. */
const KIND_LOOKS = {
  freeze: { label: 'Freeze', symbol: '⊘' },
  maintenance: { label: 'Maintenance', symbol: '⚙' },
  change: { label: 'Change', symbol: '⇪' },
} as const;

/** One item: its kind in words, its time (when given), its name or link. */
export function CalendarItemView({ item, time }: { item: CalendarItem; time?: string }) {
  const look = KIND_LOOKS[item.kind];
  return (
    <div className={`calendar-item calendar-item-${item.kind}`}>
      <span className="calendar-item-kind">
        <span aria-hidden="true">{look.symbol}</span> {look.label}
        {time && <span className="calendar-item-time"> {time}</span>}
      </span>{' '}
      {item.href ? <Link to={item.href}>{item.title}</Link> : <span className="calendar-item-title">{item.title}</span>}
      {item.detail && <span className="calendar-item-detail"> {item.detail}</span>}
    </div>
  );
}
