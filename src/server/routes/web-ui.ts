import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { GantryError } from '../../core/errors.js';
import { PUBLIC } from '../access.js';
import type { ServerContext } from '../server-context.js';

/**
 * The web UI: the built single-page app (ui/, `npm run build`). Its files are public (they hold no
 * data; the API they call is not). Hashed assets are cached for good; every other path outside the
 * API answers the page itself, so a reloaded or shared link (/deployments/…) opens where it points.
 */
const API_ROOT = '/api';

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

export function webUiRoutes(context: ServerContext): FastifyPluginAsync {
  return async (app) => {
    const root = context.webUi ?? null;
    if (root !== null) await app.register(fastifyStatic, { root, serve: false, index: false });

    function requireBuilt(): string {
      if (root === null) throw new GantryError('WEB_UI_NOT_BUILT', 'this installation has no built web UI (run npm run build); the API under /api/v1 works without it');
      return root;
    }

    const page = async (request: FastifyRequest, reply: FastifyReply) => {
      // Anything under /api (any version; slashes collapsed: //api//v1/…) is an API path, never a page.
      const path = request.url.split('?')[0]!.replace(/\/{2,}/g, '/');
      if (path === API_ROOT || path.startsWith(`${API_ROOT}/`)) return reply.callNotFound();
      requireBuilt();
      // A file of the build (favicon.svg, robots.txt); any other path is a page of the app.
      const file = /\/[^/]+\.[a-z0-9]+$/i.test(path) ? path.slice(1) : 'index.html';
      return reply.headers({ ...SECURITY_HEADERS, 'cache-control': 'no-cache' }).sendFile(file);
    };

    app.get('/assets/*', { config: PUBLIC, schema: { hide: true } }, async (request, reply) => {
      requireBuilt();
      const file = (request.params as { '*': string })['*'];
      return reply.headers({ ...SECURITY_HEADERS, 'cache-control': 'public, max-age=31536000, immutable' }).sendFile(`assets/${file}`);
    });
    app.get('/', { config: PUBLIC, schema: { hide: true } }, page);
    app.get('/*', { config: PUBLIC, schema: { hide: true } }, page);
  };
}
