import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { readScrapeFigures } from '../../app/scrape-figures.js';
import { mayAccess, needs } from '../access.js';
import { renderMetrics, type NodeMetrics } from '../metrics.js';
import type { ServerContext } from '../server-context.js';

/**
 * `GET /metrics`, Prometheus text format, for a scraper with a bearer token that may `read`
 * (a viewer token). Series about an application and environment appear only when the token may
 * read them, so a scope-limited token sees its own; node-wide series (HTTP, process, agents,
 * notifications) carry no application.
 */
export function metricsRoutes(context: ServerContext, nodeMetrics: NodeMetrics): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/metrics', { config: needs('read'), schema: { hide: true } }, async (request, reply) => {
      const snapshot = await readScrapeFigures(context.app);
      const { contentType, text } = await renderMetrics(nodeMetrics, snapshot, (resource) => mayAccess(request, 'read', resource));
      return reply.type(contentType).send(text);
    });
  };
}
