import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { messageOf } from '../api/errors.js';

/** Renders a query's data, or its loading state, or what went wrong (in the server's words). */
export function QueryView<T>({ query, children, what }: { query: UseQueryResult<T>; children: (data: T) => ReactNode; what: string }) {
  if (query.isPending) return <p role="status" className="muted">Loading {what}…</p>;
  if (query.isError)
    return (
      <p role="alert" className="error">
        Could not load {what}: {messageOf(query.error)}
      </p>
    );
  return <>{children(query.data)}</>;
}
