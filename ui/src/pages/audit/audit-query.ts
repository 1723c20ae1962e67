/**
 * The audit screen's URL as the API's query. Filters: `?actor=…&action=…&from=…&until=…` (from
 * and until as a datetime-local input gives them, local time). Position: nothing (the newest
 * page), `before=SEQ` (the page older than SEQ, newest first) or `after=SEQ` (the page newer
 * than SEQ: read oldest first, shown reversed). The server filters and pages.
 */
import type { AuditListQuery } from '../../../../src/client/api-client.js';

/** Records shown a page. */
export const AUDIT_PAGE_SIZE = 100;

export interface AuditFilter {
  /** The actor's name, exactly. */
  readonly actor?: string | undefined;
  /** The action, exactly: `POST /api/v1/windows`. */
  readonly action?: string | undefined;
  /** Local date and time (`2026-11-27T09:00`): records at or after it. */
  readonly from?: string | undefined;
  /** Local date and time: records before it. */
  readonly until?: string | undefined;
}

export const FILTER_NAMES = ['actor', 'action', 'from', 'until'] as const;

export function filterFromParams(params: URLSearchParams): AuditFilter {
  const filter: Record<string, string | undefined> = {};
  for (const name of FILTER_NAMES) filter[name] = params.get(name)?.trim() || undefined;
  return filter;
}

export type AuditPosition = { readonly kind: 'newest' } | { readonly kind: 'before' | 'after'; readonly seq: number };

export function positionFromParams(params: URLSearchParams): AuditPosition {
  for (const kind of ['before', 'after'] as const) {
    const seq = Number(params.get(kind) ?? '');
    if (params.has(kind) && Number.isSafeInteger(seq) && seq >= (kind === 'before' ? 1 : 0)) return { kind, seq };
  }
  return { kind: 'newest' };
}

/** A datetime-local value as an instant (what the API takes); anything else as it is, for the API to refuse by name. */
function instantOf(local: string | undefined): string | undefined {
  if (local === undefined) return undefined;
  const time = Date.parse(local);
  return Number.isNaN(time) ? local : new Date(time).toISOString();
}

/** The API query for a page: one record more than a page, to tell whether there are more that way. */
export function auditQueryOf(filter: AuditFilter, position: AuditPosition): AuditListQuery {
  const filters = { actor: filter.actor, action: filter.action, from: instantOf(filter.from), until: instantOf(filter.until) };
  const limit = AUDIT_PAGE_SIZE + 1;
  if (position.kind === 'after') return { ...filters, after: position.seq, order: 'asc', limit };
  return { ...filters, ...(position.kind === 'before' ? { before: position.seq } : {}), order: 'desc', limit };
}
