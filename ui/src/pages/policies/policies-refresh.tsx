import { useIsFetching, useQueryClient } from '@tanstack/react-query';
import { POLICIES_KEY } from './policies-queries.js';

/** Reads the policies, their results and any open history again, on request. */
export function PoliciesRefresh() {
  const client = useQueryClient();
  const fetching = useIsFetching({ queryKey: POLICIES_KEY }) > 0;
  return (
    <div className="policies-refresh">
      <span role="status" className="muted small">
        {fetching ? 'Refreshing…' : ''}
      </span>
      <button type="button" className="button" aria-busy={fetching} onClick={() => void client.invalidateQueries({ queryKey: POLICIES_KEY })}>
        Refresh
      </button>
    </div>
  );
}
