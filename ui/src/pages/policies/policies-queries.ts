import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client.js';

/**
 * Policy results change when agents report facts or someone applies a policy, neither of which
 * the activity stream announces: the page refreshes on request (everything under this key).
 */
export const POLICIES_KEY = ['policies'] as const;

export function usePolicies() {
  return useQuery({ queryKey: [...POLICIES_KEY, 'list'], queryFn: () => api.listPolicies() });
}

export function usePolicyResults() {
  return useQuery({ queryKey: [...POLICIES_KEY, 'results'], queryFn: () => api.policyResults() });
}

/** A policy's flips, newest first; read only once its history is opened. */
export function usePolicyHistory(name: string, enabled: boolean) {
  return useQuery({ queryKey: [...POLICIES_KEY, 'history', name], queryFn: () => api.policyHistory(name), enabled });
}
