import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client.js';

/**
 * Patch data changes only when someone imports advisories or agents report facts, neither of
 * which the activity stream announces: the page refreshes on request (everything under this key).
 */
export const PATCH_KEY = ['patch'] as const;

export function useCompliance() {
  return useQuery({ queryKey: [...PATCH_KEY, 'compliance'], queryFn: () => api.patchCompliance() });
}

export function useAdvisories() {
  return useQuery({ queryKey: [...PATCH_KEY, 'advisories'], queryFn: () => api.listAdvisories() });
}

/** Target × advisory pairs, in one environment or all; `all` keeps the pairs an advisory does not concern. */
export function useExposure(environment: string | undefined, all: boolean) {
  return useQuery({ queryKey: [...PATCH_KEY, 'exposure', environment ?? null, all], queryFn: () => api.patchExposure({ environment, all }) });
}
