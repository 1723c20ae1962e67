import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { applyManifest, listAllApplications, requireApplication } from '../../app/applications.js';
import { applicationStatus, rollbackEnvironment } from '../../app/deployments.js';
import { nameSchema } from '../../core/names.js';
import { applicationSchema, applyRequestSchema, applyResponseSchema, queuedDeploymentSchema, statusSchema } from '../../protocol/api.js';
import { toApplicationDto, toDeploymentDto } from '../dto.js';
import { actorOf } from '../auth.js';
import { fromManifest, fromParams, mayAccess, needs } from '../access.js';
import type { ServerContext } from '../server-context.js';

export function applicationRoutes(context: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.post('/applications', { config: needs('release', fromManifest), schema: { body: applyRequestSchema, response: { 200: applyResponseSchema, 201: applyResponseSchema } } }, async (request, reply) => {
      const { application, created } = await applyManifest(context.app, request.body.manifest, request.body.file);
      return reply.code(created ? 201 : 200).send({ application: toApplicationDto(application), created });
    });

    app.get('/applications', { config: needs('read'), schema: { response: { 200: z.object({ applications: z.array(applicationSchema) }) } } }, async (request) => ({
      applications: (await listAllApplications(context.app)).filter((application) => mayAccess(request, 'read', { app: application.name })).map(toApplicationDto),
    }));

    app.get('/applications/:app', { config: needs('read', fromParams), schema: { params: z.object({ app: nameSchema }), response: { 200: applicationSchema } } }, async (request) =>
      toApplicationDto(await requireApplication(context.app, request.params.app)),
    );

    app.get('/applications/:app/status', { config: needs('read', fromParams), schema: { params: z.object({ app: nameSchema }), response: { 200: statusSchema } } }, async (request) => ({
      app: request.params.app,
      environments: (await applicationStatus(context.app, request.params.app)).filter((row) => mayAccess(request, 'read', { app: request.params.app, environment: row.environment })).map((row) => ({ ...row, latest: row.latest ? toDeploymentDto(row.latest) : null })),
    }));

    app.post(
      '/applications/:app/environments/:environment/rollback',
      { config: needs('deploy', fromParams), schema: { params: z.object({ app: nameSchema, environment: nameSchema }), response: { 202: queuedDeploymentSchema } } },
      async (request, reply) => {
        const queued = await rollbackEnvironment(context.app, actorOf(request), request.params.app, request.params.environment);
        return reply.code(202).send({ deployment: toDeploymentDto(queued.deployment), waitingFor: queued.waitingFor.map((deployment) => deployment.id) });
      },
    );
  };
}
