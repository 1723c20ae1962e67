import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { cancelDeployment, controlDeployment, describeDeployment, listRecentDeployments, readEvents, readLogs, readMeasurements, requireDeployment, startDeployment } from '../../app/deployments.js';
import {
  afterQuerySchema,
  controlRequestParamsSchema,
  deploymentDetailSchema,
  deploymentSchema,
  deployRequestSchema,
  eventSchema,
  listDeploymentsQuerySchema,
  logLineSchema,
  measurementSchema,
  queuedDeploymentSchema,
} from '../../protocol/api.js';
import { toDeploymentDto, toDeploymentTimeDto, toEventDto, toLogLineDto, toMeasurementDto, toTaskDto } from '../dto.js';
import { actorOf, reauthenticate } from '../auth.js';
import { deploymentById, fromBody, mayAccess, needs, requireAllowed } from '../access.js';
import type { ServerContext } from '../server-context.js';
import { streamDeployment } from '../deployment-stream.js';

const idParams = z.object({ id: z.string().min(1).max(200) });
/** A client may send `Idempotency-Key` so that a retried request cannot queue a second deployment. */
const idempotencyHeaders = z.object({ 'idempotency-key': z.string().min(1).max(200).optional() });

export function deploymentRoutes(context: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    const byId = deploymentById(context);
    app.post('/deployments', { config: needs('deploy', fromBody), schema: { body: deployRequestSchema, headers: idempotencyHeaders, response: { 202: queuedDeploymentSchema } } }, async (request, reply) => {
      const idempotencyKey = request.headers['idempotency-key'];
      const queued = await startDeployment(context.app, actorOf(request), { ...request.body, ...(idempotencyKey ? { idempotencyKey } : {}) });
      return reply.code(202).send({ deployment: toDeploymentDto(queued.deployment), waitingFor: queued.waitingFor.map((deployment) => deployment.id) });
    });

    app.get('/deployments', { config: needs('read'), schema: { querystring: listDeploymentsQuerySchema, response: { 200: z.object({ deployments: z.array(deploymentSchema) }) } } }, async (request) => ({
      deployments: (await listRecentDeployments(context.app, { limit: request.query.limit, ...(request.query.app ? { app: request.query.app } : {}) }))
        .filter((deployment) => mayAccess(request, 'read', deployment))
        .map(toDeploymentDto),
    }));

    app.get('/deployments/:id', { config: needs('read', byId), schema: { params: idParams, response: { 200: deploymentDetailSchema } } }, async (request) => {
      const detail = await describeDeployment(context.app, request.params.id);
      return { deployment: toDeploymentDto(detail.deployment), tasks: detail.tasks.map(toTaskDto), waitingFor: detail.waitingFor.map((deployment) => deployment.id), time: toDeploymentTimeDto(detail.time) };
    });

    app.post('/deployments/:id/cancel', { config: needs('deploy', byId), schema: { params: idParams, response: { 202: deploymentSchema } } }, async (request, reply) =>
      reply.code(202).send(toDeploymentDto(await cancelDeployment(context.app, request.params.id))),
    );

    // promote | pause | resume | abort: stored for the engine, which acts at the next batch boundary (abort at once).
    app.post('/deployments/:id/:request', { config: needs('deploy', byId), schema: { params: controlRequestParamsSchema, response: { 202: deploymentSchema } } }, async (request, reply) =>
      reply.code(202).send(toDeploymentDto(await controlDeployment(context.app, request.params.id, request.params.request))),
    );

    app.get('/deployments/:id/events', { config: needs('read', byId), schema: { params: idParams, querystring: afterQuerySchema, response: { 200: z.object({ events: z.array(eventSchema) }) } } }, async (request) => {
      await requireDeployment(context.app, request.params.id);
      return { events: (await readEvents(context.app, request.params.id, request.query.after)).map(toEventDto) };
    });

    app.get('/deployments/:id/logs', { config: needs('read', byId), schema: { params: idParams, querystring: afterQuerySchema, response: { 200: z.object({ logs: z.array(logLineSchema) }) } } }, async (request) => {
      await requireDeployment(context.app, request.params.id);
      return { logs: (await readLogs(context.app, request.params.id, request.query.after)).map(toLogLineDto) };
    });

    app.get('/deployments/:id/measurements', { config: needs('read', byId), schema: { params: idParams, querystring: afterQuerySchema, response: { 200: z.object({ measurements: z.array(measurementSchema) }) } } }, async (request) => {
      await requireDeployment(context.app, request.params.id);
      return { measurements: (await readMeasurements(context.app, request.params.id, request.query.after)).map(toMeasurementDto) };
    });

    app.get(
      '/deployments/:id/stream',
      {
        config: needs('read', byId),
        schema: {
          params: idParams,
          querystring: z.object({ after: z.coerce.number().int().min(0).default(0), logsAfter: z.coerce.number().int().min(0).default(0) }).strict(),
        },
      },
      async (request, reply) => {
        const deployment = await requireDeployment(context.app, request.params.id);
        const resource = { app: deployment.app, environment: deployment.environment };
        const stillAllowed = async () => requireAllowed(await reauthenticate(context.app, request), 'read', resource);
        await streamDeployment(context, request, reply, request.params.id, { events: request.query.after, logs: request.query.logsAfter }, stillAllowed);
      },
    );
  };
}
