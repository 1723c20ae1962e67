import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { addTarget, listAllTargets, removeTarget, showTarget, targetFactHistory } from '../../app/targets.js';
import { nameSchema } from '../../core/names.js';
import { addTargetRequestSchema, factChangeSchema, targetSchema } from '../../protocol/api.js';
import { toTargetDto } from '../dto.js';
import { needs } from '../access.js';
import type { ServerContext } from '../server-context.js';

export function targetRoutes(context: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/targets', { config: needs('read'), schema: { response: { 200: z.object({ targets: z.array(targetSchema) }) } } }, async () => ({
      targets: (await listAllTargets(context.app)).map(toTargetDto),
    }));

    app.post('/targets', { config: needs('targets'), schema: { body: addTargetRequestSchema, response: { 201: targetSchema } } }, async (request, reply) => {
      const target = await addTarget(context.app, request.body);
      return reply.code(201).send(toTargetDto({ target, facts: null, session: null }));
    });

    app.get('/targets/:name', { config: needs('read'), schema: { params: z.object({ name: nameSchema }), response: { 200: targetSchema } } }, async (request) =>
      toTargetDto(await showTarget(context.app, request.params.name)),
    );

    app.get('/targets/:name/facts/history', { config: needs('read'), schema: { params: z.object({ name: nameSchema }), response: { 200: z.object({ changes: z.array(factChangeSchema) }) } } }, async (request) => ({
      changes: await targetFactHistory(context.app, request.params.name),
    }));

    app.delete('/targets/:name', { config: needs('targets'), schema: { params: z.object({ name: nameSchema }) } }, async (request, reply) => {
      await removeTarget(context.app, request.params.name);
      return reply.code(204).send();
    });
  };
}
