import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../../api/client.js';

/**
 * The inventory changes when someone edits it or a manifest or label moves, none of which the
 * activity stream announces: it is read again after this screen's own writes and on request.
 */
export const INVENTORY_KEY = ['inventory'] as const;

export interface CiFilter {
  readonly kind?: string | undefined;
  readonly class?: string | undefined;
  readonly lifecycle?: string | undefined;
}

export function useCis(filter: CiFilter = {}) {
  return useQuery({ queryKey: [...INVENTORY_KEY, 'cis', filter], queryFn: () => api.listCis(filter) });
}

export function useCi(ref: string) {
  return useQuery({ queryKey: [...INVENTORY_KEY, 'ci', ref], queryFn: () => api.getCi(ref) });
}

/** While another depth loads, the last answer stays on show (no jump). */
export function useImpact(ref: string, depth: number) {
  return useQuery({ queryKey: [...INVENTORY_KEY, 'impact', ref, depth], queryFn: () => api.impact(ref, depth), placeholderData: keepPreviousData });
}
