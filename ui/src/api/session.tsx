/**
 * Who is signed in, and what they may do. The UI shows an action only when the same rule the
 * server applies (src/client/access) allows it, so a button is absent exactly when the API would
 * refuse it.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, type ReactNode } from 'react';
import { bindingsAllow, type Permission } from '../../../src/client/access.js';
import type { SessionDto } from '../../../src/client/api-client.js';
import { api, useCsrfToken } from './client.js';
import { isSignedOut } from './errors.js';

export const SESSION_KEY = ['session'] as const;

const SessionContext = createContext<SessionDto | null>(null);

export function useSession(): SessionDto {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}

/** `can('deploy', { app, environment })`: whether the signed-in user may. */
export function useCan(): (permission: Permission, resource?: { app?: string; environment?: string }) => boolean {
  const session = useSession();
  return useCallback((permission, resource = {}) => bindingsAllow(session.access, permission, resource), [session]);
}

/** Loads the session; renders `signedOut` (the login page) when there is none. */
export function SessionGate({ signedOut, children }: { signedOut: ReactNode; children: ReactNode }) {
  const session = useQuery({
    queryKey: SESSION_KEY,
    queryFn: async () => {
      const found = await api.session();
      useCsrfToken(found.csrfToken);
      return found;
    },
    retry: (count, error) => !isSignedOut(error) && count < 2,
    staleTime: 60_000,
  });
  if (session.isPending) return <p className="page-loading" role="status">Loading…</p>;
  if (session.isError) {
    if (isSignedOut(session.error)) return <>{signedOut}</>;
    return (
      <main className="page">
        <h1>Gantry cannot be reached</h1>
        <p role="alert">{String(session.error.message)}</p>
      </main>
    );
  }
  return <SessionContext.Provider value={session.data}>{children}</SessionContext.Provider>;
}

/** After a login or logout: load the session again, and forget every cached answer of the old one. */
export function useSessionReset(): () => Promise<void> {
  const client = useQueryClient();
  return useCallback(async () => {
    client.removeQueries({ predicate: (query) => query.queryKey[0] !== SESSION_KEY[0] });
    await client.invalidateQueries({ queryKey: SESSION_KEY });
  }, [client]);
}
