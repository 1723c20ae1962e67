import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticateToken } from '../app/api-tokens.js';
import type { AppDeps } from '../app/app-deps.js';
import type { Actor } from '../core/actor.js';
import { GantryError } from '../core/errors.js';

/** Routes that carry their own credential: enrolment (a one-time token), the agent socket (a signed challenge), the calendar feed (a feed token). */
const PUBLIC_PATHS = new Set(['/healthz', '/api/v1/agents/enrol', '/api/v1/agents/connect', '/api/v1/calendar.ics']);

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the bearer token speaks for; set on every authenticated route. */
    actor: Actor | null;
  }
}

/** Every other route needs `Authorization: Bearer <token>`; tokens in the query string are not read. */
export function installBearerAuth(app: FastifyInstance, deps: AppDeps): void {
  app.decorateRequest('actor', null);
  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0] ?? '';
    if (PUBLIC_PATHS.has(path)) return;
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
    const principal = await authenticateToken(deps, token);
    request.actor = { user: principal.user, groups: principal.groups };
  });
}

/** The caller of an authenticated route. */
export function actorOf(request: FastifyRequest): Actor {
  if (request.actor === null) throw new GantryError('UNAUTHORIZED', 'a valid API token is required');
  return request.actor;
}
