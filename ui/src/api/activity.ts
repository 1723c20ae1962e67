/**
 * Keeps cached deployment data fresh from `GET /activity` (Server-Sent Events): when a
 * deployment moves, the dashboard and deployment lists are fetched again. No polling; the browser's
 * EventSource reconnects by itself after a drop.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { ACTIVITY_EVENTS } from '../../../src/client/api-client.js';
import { api } from './client.js';

/** Query keys that show deployments' states, refreshed when one moves. */
export const LIVE_KEYS = [['dashboard'], ['deployments']] as const;

export function useActivity(): void {
  const client = useQueryClient();
  useEffect(() => {
    const source = new EventSource(api.activityUrl());
    let timer: ReturnType<typeof setTimeout> | undefined;
    // A burst of moves (a batch of targets finishing together) refreshes once.
    const refresh = () => {
      if (timer !== undefined) return;
      timer = setTimeout(() => {
        timer = undefined;
        for (const queryKey of LIVE_KEYS) void client.invalidateQueries({ queryKey });
      }, 250);
    };
    source.addEventListener(ACTIVITY_EVENTS.deployment, refresh);
    // Access was taken away: the session query decides what to show next.
    source.addEventListener(ACTIVITY_EVENTS.denied, () => {
      source.close();
      void client.invalidateQueries({ queryKey: ['session'] });
    });
    return () => {
      clearTimeout(timer);
      source.close();
    };
  }, [client]);
}
