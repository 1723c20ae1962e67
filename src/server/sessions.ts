import { createHash, timingSafeEqual } from 'node:crypto';
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyRequest } from 'fastify';
import { GantryError } from '../core/errors.js';

/**
 * Web sessions: the login token kept in an HttpOnly cookie, for the web UI. A browser sends
 * cookies with requests other sites make it send, so a state-changing request that a cookie
 * authenticates must also prove it was made by a page of ours (CSRF): it carries the session's
 * CSRF token in `X-CSRF-Token` (readable only by our pages: login and `GET /session` return it),
 * and comes from our own origin when the browser says where it comes from.
 */
export const SESSION_COOKIE = 'gantry_session';
export const CSRF_HEADER = 'x-csrf-token';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The CSRF token of a session: derived from the session token itself, so every node of a cluster
 * checks it without shared state, and it dies with the session. It reveals nothing of the token
 * (a one-way hash), and a page of another site cannot read it.
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHash('sha256').update(`csrf\0${sessionToken}`).digest('hex');
}

/** The session cookie's attributes; `Secure` when the server speaks TLS. */
export function sessionCookieOptions(secure: boolean, maxAgeSeconds?: number): CookieSerializeOptions {
  return { path: '/', httpOnly: true, sameSite: 'lax', secure, ...(maxAgeSeconds === undefined ? {} : { maxAge: maxAgeSeconds }) };
}

function csrfRejected(why: string): GantryError {
  return new GantryError('CSRF_REJECTED', `${why}; nothing was done`, { where: 'csrf' });
}

/**
 * Refuses a request from another site's page: an `Origin` naming another host than the request's
 * own `Host` (or `null`, sent from sandboxed and privacy-sensitive contexts), or a browser's
 * `Sec-Fetch-Site: cross-site`.
 */
export function requireSameOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (origin !== undefined) {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (host === undefined || host === '' || host !== request.headers.host) throw csrfRejected(`the request comes from another origin (${origin.slice(0, 100)})`);
  }
  if (request.headers['sec-fetch-site'] === 'cross-site') throw csrfRejected('the browser says the request comes from another site');
}

/** For a request the session cookie authenticated: a state-changing method needs the CSRF token, from our own origin. */
export function requireCsrfProof(request: FastifyRequest, sessionToken: string): void {
  if (!STATE_CHANGING.has(request.method)) return;
  requireSameOrigin(request);
  const sent = request.headers[CSRF_HEADER];
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const given = Buffer.from(typeof sent === 'string' ? sent : '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw csrfRejected(`a request authenticated by the session cookie must send the session's CSRF token in X-CSRF-Token (from the login answer or GET /api/v1/session)`);
  }
}
