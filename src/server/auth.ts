import type { FastifyInstance } from 'fastify';
import { authenticateToken } from '../app/api-tokens.js';
import type { AppDeps } from '../app/app-deps.js';

const PUBLIC_PATHS = new Set(['/healthz']);

/** Every route but /healthz needs `Authorization: Bearer <token>`; tokens in the query string are not read. */
export function installBearerAuth(app: FastifyInstance, deps: AppDeps): void {
  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0] ?? '';
    if (PUBLIC_PATHS.has(path)) return;
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
    await authenticateToken(deps, token);
  });
}
