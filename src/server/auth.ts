import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticateToken } from '../app/api-tokens.js';
import type { AppDeps } from '../app/app-deps.js';
import type { Actor } from '../core/actor.js';
import { GantryError, isGantryError } from '../core/errors.js';
import type { AuthThrottle } from './auth-throttle.js';
import { requireCsrfProof, SESSION_COOKIE } from './sessions.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the bearer token speaks for; set on every authenticated route. */
    actor: Actor | null;
    /** The session token, when the `gantry_session` cookie (not a bearer token) authenticated the request. */
    sessionToken: string | null;
  }
}

/**
 * Every route not declared public needs `Authorization: Bearer <token>`, or (without that header)
 * the web session cookie, which holds a login token and is checked the same way; tokens in the
 * query string are not read. A state-changing request the cookie authenticates also needs CSRF
 * proof (sessions.ts). Unknown paths need a credential too, so that they reveal nothing either.
 * The cookie plugin must be registered before this, so that cookies are parsed first (without
 * it, only bearer tokens authenticate).
 */
export function installBearerAuth(app: FastifyInstance, deps: AppDeps, throttle: AuthThrottle): void {
  app.decorateRequest('actor', null);
  app.decorateRequest('sessionToken', null);
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config.access === 'public') return;
    const header = request.headers.authorization;
    if (header === undefined) {
      // Undefined on a server built without the cookie plugin: there, no cookie authenticates.
      const cookies = request.cookies as FastifyRequest['cookies'] | undefined;
      const cookie = cookies?.[SESSION_COOKIE];
      if (cookie !== undefined) {
        request.actor = await throttled(throttle, request.ip, reply, () => authenticateToken(deps, cookie));
        requireCsrfProof(request, cookie);
        request.sessionToken = cookie;
        return;
      }
    }
    request.actor = await throttled(throttle, request.ip, reply, () => authenticateToken(deps, bearerOf(header)));
  });
}

const bearerOf = (header: string | undefined) => (header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined);

/**
 * Checks the credential a long-lived request (a progress stream) came with again, as it would be
 * checked now: throws UNAUTHORIZED once it is revoked or expired or its user is disabled, and
 * returns the caller with their access as it is now.
 */
export function reauthenticate(deps: AppDeps, request: FastifyRequest): Promise<Actor> {
  return authenticateToken(deps, request.sessionToken ?? bearerOf(request.headers.authorization));
}

/**
 * Runs an authentication unless the address has failed too often lately (429, with
 * Retry-After); a failure counts against the address.
 */
export async function throttled<T>(throttle: AuthThrottle, address: string, reply: FastifyReply, authenticate: () => Promise<T>): Promise<T> {
  const waitMs = throttle.retryAfterMs(address);
  if (waitMs > 0) {
    const seconds = Math.ceil(waitMs / 1000);
    reply.header('retry-after', String(seconds));
    throw new GantryError('AUTH_RATE_LIMITED', `too many failed authentication attempts from ${address}; try again in ${seconds}s`);
  }
  try {
    return await authenticate();
  } catch (error) {
    if (isGantryError(error) && error.code === 'UNAUTHORIZED') throttle.failed(address);
    throw error;
  }
}

/** The caller of an authenticated route. */
export function actorOf(request: FastifyRequest): Actor {
  if (request.actor === null) throw new GantryError('UNAUTHORIZED', 'a valid API token is required');
  return request.actor;
}
