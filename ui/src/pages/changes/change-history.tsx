import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client.js';
import { QueryView } from '../../components/query-view.js';

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** "change:sent-back" → "sent back". */
const eventInWords = (type: string) => type.replace(/^change:/, '').replace(/[-_]/g, ' ');

/** The event's data as short "key: value" words (comments, reasons, close codes). */
function details(data: Record<string, unknown>): string[] {
  return Object.entries(data).flatMap(([key, value]) => {
    if (value === null || value === undefined || value === '') return [];
    if (Array.isArray(value)) return value.length === 0 ? [] : [`${key}: ${value.map(String).join(' ')}`];
    if (typeof value === 'object') return [`${key}: ${JSON.stringify(value)}`];
    return [`${key}: ${String(value)}`];
  });
}

/** The change's audit trail as a timeline, oldest first. */
export function ChangeHistory({ id }: { id: string }) {
  const history = useQuery({ queryKey: ['changes', id, 'history'], queryFn: () => api.changeHistory(id) });
  return (
    <section aria-labelledby="history-heading">
      <h2 id="history-heading">History</h2>
      <QueryView query={history} what="history">
        {(events) => (
          <ol className="change-timeline">
            {events.map((event) => (
              <li key={event.seq}>
                <time dateTime={event.at}>{dateTime.format(new Date(event.at))}</time>
                <div>
                  <strong>{eventInWords(event.type)}</strong> by {event.actor}
                  {event.fromState !== event.toState && event.toState && (
                    <span className="muted">
                      {' '}
                      ({event.fromState ?? 'start'} → {event.toState})
                    </span>
                  )}
                  {details(event.data).map((line) => (
                    <div key={line} className="small muted">
                      {line}
                    </div>
                  ))}
                </div>
              </li>
            ))}
          </ol>
        )}
      </QueryView>
    </section>
  );
}
