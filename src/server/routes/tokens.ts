import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createApiToken, listTokens, revokeToken, tokenRequestSchema, type StoredToken } from '../../app/api-tokens.js';
import { tokenSchema, createdTokenSchema, type TokenDto } from '../../protocol/tokens-api.js';
import { bindingsDto } from '../dto.js';
import { needs } from '../access.js';
import { actorOf } from '../auth.js';
import type { ServerContext } from '../server-context.js';

function toTokenDto(token: StoredToken): TokenDto {
  const { access, groups, ...rest } = token;
  return { ...rest, groups: [...groups], bindings: bindingsDto(access) };
}

/** API tokens: minted (shown once), listed without their secret, revoked. */
export function tokenRoutes(context: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.post('/tokens', { config: needs('tokens'), schema: { body: tokenRequestSchema, response: { 201: createdTokenSchema } } }, async (request, reply) => {
      const { token, stored } = await createApiToken(context.app, actorOf(request), request.body);
      return reply.code(201).send({ ...toTokenDto(stored), token });
    });

    app.get('/tokens', { config: needs('tokens'), schema: { response: { 200: z.object({ tokens: z.array(tokenSchema) }) } } }, async (request) => ({
      tokens: (await listTokens(context.app, actorOf(request))).map(toTokenDto),
    }));

    app.delete('/tokens/:id', { config: needs('tokens'), schema: { params: z.object({ id: z.string().min(1).max(100) }) } }, async (request, reply) => {
      await revokeToken(context.app, actorOf(request), request.params.id);
      return reply.code(204).send();
    });
  };
}
