import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { checkDrift, listDrift, remediateDrift, type DriftRecord } from '../../app/drift.js';
import { driftCheckBodySchema, driftListSchema, driftQuerySchema, driftRemediateBodySchema, driftRemediationSchema, type DriftRecordDto } from '../../protocol/drift-api.js';
import { actorOf } from '../auth.js';
import { mayAccess, needs } from '../access.js';
import { toDeploymentDto } from '../dto.js';
import type { ServerContext } from '../server-context.js';

function toDriftDto(record: DriftRecord): DriftRecordDto {
  return { ...record, changed: [...record.changed], added: [...record.added], removed: [...record.removed], packages: [...record.packages] };
}

/**
 * Configuration drift (issue 9). Reading needs `read` and shows the applications × environments
 * the caller may read. A check runs a command on the targets, so it needs `deploy`, and covers the
 * applications × environments the caller may deploy to; remediation redeploys, so likewise.
 */
export function driftRoutes(context: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/drift', { config: needs('read'), schema: { querystring: driftQuerySchema, response: { 200: driftListSchema } } }, async (request) => ({
      drift: (await listDrift(context.app, request.query, (application, environment) => mayAccess(request, 'read', { app: application, environment }))).map(toDriftDto),
    }));

    app.post('/drift/check', { config: needs('deploy'), schema: { body: driftCheckBodySchema, response: { 200: driftListSchema } } }, async (request) => ({
      drift: (await checkDrift(context.app, request.body, (application, environment) => mayAccess(request, 'deploy', { app: application, environment }))).map(toDriftDto),
    }));

    app.post('/drift/remediate', { config: needs('deploy'), schema: { body: driftRemediateBodySchema, response: { 202: driftRemediationSchema } } }, async (request, reply) => {
      const started = await remediateDrift(
        context.app,
        actorOf(request),
        request.body,
        (application, environment) => mayAccess(request, 'read', { app: application, environment }),
        (application, environment) => mayAccess(request, 'deploy', { app: application, environment }),
      );
      return reply.code(202).send({ deployments: started.map((queued) => ({ deployment: toDeploymentDto(queued.deployment), waitingFor: queued.waitingFor.map((deployment) => deployment.id) })) });
    });
  };
}
