/**
 * The typed API client (src/client) as the browser uses it: same origin, authenticated by the
 * HttpOnly session cookie, with the session's CSRF token on every request that changes state.
 */
import { createApiClient, type ApiClient } from '../../../src/client/api-client.js';

let csrfToken: string | undefined;

/** Set from the login answer or GET /session. */
export function useCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

const browserFetch: typeof fetch = (input, init = {}) =>
  fetch(input, {
    ...init,
    credentials: 'same-origin',
    headers: { ...(init.headers as Record<string, string> | undefined), ...(csrfToken ? { 'x-csrf-token': csrfToken } : {}) },
  });

export const api: ApiClient = createApiClient({ url: window.location.origin, fetch: browserFetch });
