import { useIsFetching, useQueryClient } from '@tanstack/react-query';
import { PATCH_KEY } from './patch-queries.js';

/** Reads the patch data again, on request (nothing announces new advisories or facts). */
export function RefreshButton() {
  const client = useQueryClient();
  const fetching = useIsFetching({ queryKey: PATCH_KEY }) > 0;
  return (
    <div className="patch-refresh">
      <span role="status" className="muted small">
        {fetching ? 'Refreshing…' : ''}
      </span>
      <button type="button" className="button" aria-busy={fetching} onClick={() => void client.invalidateQueries({ queryKey: PATCH_KEY })}>
        Refresh
      </button>
    </div>
  );
}
