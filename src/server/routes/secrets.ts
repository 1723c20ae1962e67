import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listSecrets, removeSecret, setSecret, type SecretEntry } from '../../app/secrets.js';
import { EVERYTHING } from '../../core/access/access.js';
import { nameSchema } from '../../core/names.js';
import { secretListSchema, setSecretRequestSchema, type SecretDto } from '../../protocol/secrets-api.js';
import { fromParams, mayAccess, needs } from '../access.js';
import { actorOf } from '../auth.js';
import type { ServerContext } from '../server-context.js';

const paramsSchema = z.object({ app: nameSchema, name: z.string().min(1).max(200) });

function toSecretDto(entry: SecretEntry): SecretDto {
  return { name: entry.name, environment: entry.environment, updatedAt: entry.updatedAt, updatedBy: entry.updatedBy };
}

/**
 * Secrets: write-only. PUT stores a value (204, nothing echoed), GET lists names and when they
 * were set, DELETE removes one. Writing a secret for every environment (`*`) needs a token bound to
 * every environment (checked by the service).
 */
export function secretRoutes(context: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.put('/applications/:app/secrets/:name', { config: needs('release', fromParams), schema: { params: paramsSchema, body: setSecretRequestSchema } }, async (request, reply) => {
      await setSecret(context.app, actorOf(request), { app: request.params.app, name: request.params.name, environment: request.body.environment ?? EVERYTHING, value: request.body.value });
      return reply.code(204).send();
    });

    app.get('/applications/:app/secrets', { config: needs('read', fromParams), schema: { params: z.object({ app: nameSchema }), response: { 200: secretListSchema } } }, async (request) => {
      const appName = request.params.app;
      // A secret for every environment reaches the caller's environments too; others only in scope.
      const visible = (entry: SecretEntry) => mayAccess(request, 'read', entry.environment === EVERYTHING ? { app: appName } : { app: appName, environment: entry.environment });
      return { secrets: (await listSecrets(context.app, appName)).filter(visible).map(toSecretDto) };
    });

    app.delete(
      '/applications/:app/secrets/:name',
      { config: needs('release', fromParams), schema: { params: paramsSchema, querystring: z.strictObject({ environment: z.string().min(1).max(100).optional() }) } },
      async (request, reply) => {
        await removeSecret(context.app, actorOf(request), { app: request.params.app, name: request.params.name, environment: request.query.environment ?? EVERYTHING });
        return reply.code(204).send();
      },
    );
  };
}
