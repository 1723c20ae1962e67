import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client.js';

/**
 * Drift records change when a check runs (here, on the server's schedule, or by someone else),
 * which the activity stream does not announce: read again after a check and on request.
 */
export const DRIFT_KEY = ['drift'] as const;

/** Every record of the last checks; the page narrows them by environment itself, so the choice of environments stays whole. */
export function useDrift() {
  return useQuery({ queryKey: [...DRIFT_KEY, 'records'], queryFn: () => api.listDrift() });
}
