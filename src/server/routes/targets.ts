import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { probeTarget } from '../../app/target-probe.js';
import { addTarget, listAllTargets, removeTarget, setPackageCommands, showTarget, targetFactHistory } from '../../app/targets.js';
import { nameSchema } from '../../core/names.js';
import { addTargetRequestSchema, factChangeSchema, packageCommandsSchema, targetSchema } from '../../protocol/api.js';
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

    // Inventory for targets without an agent: the server asks the machine itself (an agent may be asked too).
    app.post('/targets/:name/probe', { config: needs('targets'), schema: { params: z.object({ name: nameSchema }), response: { 200: targetSchema } } }, async (request) => {
      await probeTarget(context.app, request.params.name);
      return toTargetDto(await showTarget(context.app, request.params.name));
    });

    app.put(
      '/targets/:name/package-commands',
      { config: needs('targets'), schema: { params: z.object({ name: nameSchema }), body: packageCommandsSchema, response: { 200: targetSchema } } },
      async (request) => toTargetDto(await setPackageCommands(context.app, request.params.name, request.body)),
    );

    app.delete('/targets/:name', { config: needs('targets'), schema: { params: z.object({ name: nameSchema }) } }, async (request, reply) => {
      await removeTarget(context.app, request.params.name);
      return reply.code(204).send();
    });
  };
}
