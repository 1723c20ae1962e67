import { useQuery } from '@tanstack/react-query';
import type { ChangeDto } from '../../../../src/client/api-client.js';
import { api } from '../../api/client.js';
import { QueryView } from '../../components/query-view.js';

const KIND_LABELS = { freeze: 'Freeze', outside_maintenance: 'Outside maintenance', busy: 'Busy' } as const;

/** What stands in the way of the planned window. */
export function ChangeConflicts({ change }: { change: ChangeDto }) {
  const planned = change.plan.window !== undefined;
  const conflicts = useQuery({ queryKey: ['changes', change.id, 'conflicts', change.plan.window], queryFn: () => api.changeConflicts(change.id), enabled: planned });
  return (
    <section aria-labelledby="conflicts-heading">
      <h2 id="conflicts-heading">Conflicts</h2>
      {!planned ? (
        <p className="muted">No planned window to check yet.</p>
      ) : (
        <QueryView query={conflicts} what="conflicts">
          {(found) =>
            found.length === 0 ? (
              <p>
                <span aria-hidden="true">✓ </span>Nothing stands in the way of the planned window.
              </p>
            ) : (
              <ul className="change-conflicts">
                {found.map((conflict) => (
                  <li key={`${conflict.kind}-${conflict.cause}`}>
                    <span className="badge badge-warning">
                      <span aria-hidden="true">⚠</span> {KIND_LABELS[conflict.kind]}
                    </span>{' '}
                    {conflict.cause}
                  </li>
                ))}
              </ul>
            )
          }
        </QueryView>
      )}
    </section>
  );
}
