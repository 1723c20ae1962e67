import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client.js';
import { QueryView } from '../../components/query-view.js';
import { TimeAgo } from '../../components/time-ago.js';

/** A fact's value as text: absent, a word, or JSON for lists and objects. */
function describeValue(value: unknown): string {
  if (value === undefined || value === null) return 'none';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** What changed in the target's facts and when, newest first. */
export function FactHistory({ name }: { name: string }) {
  const history = useQuery({ queryKey: ['targets', name, 'fact-history'], queryFn: () => api.getFactHistory(name) });
  return (
    <QueryView query={history} what="the fact history">
      {(changes) =>
        changes.length === 0 ? (
          <p className="muted">No changes reported.</p>
        ) : (
          <ol className="fact-history">
            {changes.map((change, index) => (
              <li key={`${change.at} ${index}`}>
                <TimeAgo at={change.at} />
                <ul>
                  {change.changes.map((fact) => (
                    <li key={fact.path}>
                      <code>{fact.path}</code>: <span className="fact-value">{describeValue(fact.from)}</span> → <span className="fact-value">{describeValue(fact.to)}</span>
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ol>
        )
      }
    </QueryView>
  );
}
