/** Query keys of the settings tabs, and the refresh after a change to people or teams. */
import { useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';

export const USERS_KEY = ['users'] as const;
export const TEAMS_KEY = ['teams'] as const;
export const TOKENS_KEY = ['tokens'] as const;
export const NODES_KEY = ['nodes'] as const;

/** Users and teams show each other (members, groups): a change to one reloads both. */
export function useRefreshPeople(): () => Promise<void> {
  const client = useQueryClient();
  return useCallback(async () => {
    await Promise.all([client.invalidateQueries({ queryKey: USERS_KEY }), client.invalidateQueries({ queryKey: TEAMS_KEY })]);
  }, [client]);
}
