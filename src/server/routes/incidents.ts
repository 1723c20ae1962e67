import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { listIncidents, openIncident, requireIncident, resolveIncident } from '../../app/incidents.js';
import type { Incident } from '../../core/incident/incident.js';
import {
  incidentIdParamsSchema,
  incidentListQuerySchema,
  incidentListSchema,
  incidentSchema,
  openIncidentRequestSchema,
  resolveIncidentRequestSchema,
  type IncidentDto,
} from '../../protocol/incidents-api.js';
import { fromBody, mayAccess, needs, type ResourceOf } from '../access.js';
import { actorOf } from '../auth.js';
import type { ServerContext } from '../server-context.js';
import { isGantryError } from '../../core/errors.js';

const toIncidentDto = (incident: Incident): IncidentDto => ({ ...incident });

/** The app and environment of the incident in `:id`; null when there is none (answered like out of scope). */
const incidentById =
  (context: ServerContext): ResourceOf =>
  async (request) => {
    try {
      const incident = await requireIncident(context.app, (request.params as { id: string }).id);
      return { app: incident.app, environment: incident.environment };
    } catch (error) {
      if (isGantryError(error) && error.kind === 'not_found') return null;
      throw error;
    }
  };

/** Incidents (issue 10): opened and resolved by whoever may deploy there, linked to the deployment that caused them. */
export function incidentRoutes(context: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.post('/incidents', { config: needs('deploy', fromBody), schema: { body: openIncidentRequestSchema, response: { 201: incidentSchema } } }, async (request, reply) =>
      reply.code(201).send(toIncidentDto(await openIncident(context.app, actorOf(request), request.body))),
    );

    app.post(
      '/incidents/:id/resolve',
      { config: needs('deploy', incidentById(context)), schema: { params: incidentIdParamsSchema, body: resolveIncidentRequestSchema.optional(), response: { 200: incidentSchema } } },
      async (request) => toIncidentDto(await resolveIncident(context.app, actorOf(request), request.params.id, request.body?.at)),
    );

    app.get('/incidents', { config: needs('read'), schema: { querystring: incidentListQuerySchema, response: { 200: incidentListSchema } } }, async (request) => {
      const { app: application, environment, open, limit } = request.query;
      const incidents = await listIncidents(context.app, { app: application, environment, open: open === 'true', limit }, (name, env) => mayAccess(request, 'read', { app: name, environment: env }));
      return { incidents: incidents.map(toIncidentDto) };
    });
  };
}
