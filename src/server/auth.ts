import type { FastifyInstance } from 'fastify';
import { authenticateToken } from '../app/api-tokens.js';
import type { AppDeps } from '../app/app-deps.js';

/** Routes that carry their own credential: enrolment (a one-time token) and the agent socket (a signed challenge). */
const PUBLIC_PATHS = new Set(['/healthz', '/api/v1/agents/enrol', '/api/v1/agents/connect']);

/** Every other route needs `Authorization: Bearer <token>`; tokens in the query string are not read. */
export function installBearerAuth(app: FastifyInstance, deps: AppDeps): void {
  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0] ?? '';
    if (PUBLIC_PATHS.has(path)) return;
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
    await authenticateToken(deps, token);
  });
}
