import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { createApiToken, tokenRequestSchema } from '../../app/api-tokens.js';
import { createdTokenSchema } from '../../protocol/changes-api.js';
import { actorOf } from '../auth.js';
import type { ServerContext } from '../server-context.js';

/** API tokens that speak for a person and their groups (admins only), shown once. */
export function tokenRoutes(context: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.post('/tokens', { schema: { body: tokenRequestSchema, response: { 201: createdTokenSchema } } }, async (request, reply) => {
      const created = await createApiToken(context.app, actorOf(request), request.body);
      return reply.code(201).send({ ...created, groups: [...created.groups] });
    });
  };
}
