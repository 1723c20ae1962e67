import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticateToken } from '../app/api-tokens.js';
import type { AppDeps } from '../app/app-deps.js';
import type { Actor } from '../core/actor.js';
import { GantryError } from '../core/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the bearer token speaks for; set on every authenticated route. */
    actor: Actor | null;
  }
}

/**
 * Every route not declared public needs `Authorization: Bearer <token>`; tokens in the query
 * string are not read. Unknown paths need one too, so that they reveal nothing either.
 */
export function installBearerAuth(app: FastifyInstance, deps: AppDeps): void {
  app.decorateRequest('actor', null);
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.access === 'public') return;
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
    request.actor = await authenticateToken(deps, token);
  });
}

/** The caller of an authenticated route. */
export function actorOf(request: FastifyRequest): Actor {
  if (request.actor === null) throw new GantryError('UNAUTHORIZED', 'a valid API token is required');
  return request.actor;
}
