import type { ExposureRowDto } from '../../../../src/client/api-client.js';
import type { ExposureState } from './patch-words.js';

/** The `state` URL parameter: one state, the affected ones (the default), or every pair. */
export type StateFilter = 'affected' | ExposureState | 'all';

export const STATE_FILTERS: readonly { value: StateFilter; label: string }[] = [
  { value: 'affected', label: 'Affected (with or without a fix)' },
  { value: 'affected_fix_available', label: 'Affected, fix available' },
  { value: 'affected_no_fix', label: 'Affected, no fix yet' },
  { value: 'unknown', label: 'Unknown (no recent facts)' },
  { value: 'fixed', label: 'Fixed' },
  { value: 'not_affected', label: 'Not affected' },
  { value: 'all', label: 'Every state' },
];

export const DEFAULT_STATE_FILTER: StateFilter = 'affected';

export function stateFilterOf(value: string | null): StateFilter {
  return STATE_FILTERS.find((filter) => filter.value === value)?.value ?? DEFAULT_STATE_FILTER;
}

/** The server leaves out `not_affected` pairs unless asked for all of them. */
export function needsAllPairs(filter: StateFilter): boolean {
  return filter === 'not_affected' || filter === 'all';
}

export function matchesState(row: Pick<ExposureRowDto, 'state'>, filter: StateFilter): boolean {
  if (filter === 'all') return true;
  if (filter === 'affected') return row.state === 'affected_fix_available' || row.state === 'affected_no_fix';
  return row.state === filter;
}
