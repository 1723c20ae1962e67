import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { listNodes } from '../../app/nodes.js';
import { nodeListSchema } from '../../protocol/nodes-api.js';
import { needs } from '../access.js';
import { actorOf } from '../auth.js';
import type { ServerContext } from '../server-context.js';

/** The nodes sharing this database (`gantry node list`). */
export function nodeRoutes(context: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/nodes', { config: needs('targets'), schema: { response: { 200: nodeListSchema } } }, async (request) => ({
      nodes: (await listNodes(context.app, actorOf(request))).map(({ bootId: _boot, deployments, ...node }) => ({ ...node, deployments: [...deployments] })),
    }));
  };
}
