import { useIsFetching, useQueryClient, type QueryKey } from '@tanstack/react-query';

/** Reads the queries under `queryKey` again, on request (for data nothing announces when it changes). */
export function RefreshButton({ queryKey }: { queryKey: QueryKey }) {
  const client = useQueryClient();
  const fetching = useIsFetching({ queryKey }) > 0;
  return (
    <div className="refresh">
      <span role="status" className="muted small">
        {fetching ? 'Refreshing…' : ''}
      </span>
      <button type="button" className="button" aria-busy={fetching} onClick={() => void client.invalidateQueries({ queryKey })}>
        Refresh
      </button>
    </div>
  );
}
