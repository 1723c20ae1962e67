import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  analyseImpact,
  deleteCi,
  exportCis,
  importCis,
  listInventory,
  listRelationships,
  relate,
  saveCi,
  showCi,
  unrelate,
  type ConfigurationItem,
  type InventoryVisibility,
} from '../../app/inventory.js';
import { GantryError } from '../../core/errors.js';
import type { ImpactStep } from '../../core/inventory/impact.js';
import type { Relationship } from '../../core/inventory/relationship.js';
import {
  ciDetailSchema,
  ciImportRequestSchema,
  ciImportResponseSchema,
  ciInputBodySchema,
  ciListQuerySchema,
  ciListSchema,
  ciNameParamsSchema,
  ciSchema,
  impactQuerySchema,
  impactSchema,
  relationshipDeleteSchema,
  relationshipInputSchema,
  relationshipListSchema,
  relationshipPutSchema,
  relationshipQuerySchema,
  type CiDto,
  type ImpactStepDto,
  type RelationshipDto,
} from '../../protocol/inventory-api.js';
import { mayAccess, needs } from '../access.js';
import type { ServerContext } from '../server-context.js';

function toCiDto(ci: ConfigurationItem): CiDto {
  return {
    ref: ci.ref,
    kind: ci.kind,
    name: ci.name,
    source: ci.source,
    manual: ci.manual ? { ...ci.manual, lifecycleDates: { ...ci.manual.lifecycleDates } } : null,
    target: ci.target ? { ...ci.target, labels: { ...ci.target.labels } } : null,
    applications: [...ci.applications],
    environments: [...ci.environments],
  };
}

const toRelationshipDto = (relationship: Relationship): RelationshipDto => ({ ...relationship });
const toStepDto = (step: ImpactStep): ImpactStepDto => ({ ref: step.ref, depth: step.depth, path: step.path.map(toRelationshipDto), because: step.because });

/** Applications and environments as far as the caller may read them. */
const readable =
  (request: FastifyRequest): InventoryVisibility =>
  (resource) =>
    mayAccess(request, 'read', resource);

/**
 * The inventory (issue 9). Reads need `read` (applications and environments are shown as far as
 * the caller may read them); manual CIs and relationships concern the whole fleet, so writing
 * them needs `targets`, like registering targets.
 */
export function inventoryRoutes(context: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/cis', { config: needs('read'), schema: { querystring: ciListQuerySchema, response: { 200: ciListSchema } } }, async (request) => ({
      cis: (await listInventory(context.app, request.query, readable(request))).map(toCiDto),
    }));

    app.post('/cis', { config: needs('targets'), schema: { body: ciInputBodySchema, response: { 201: ciSchema } } }, async (request, reply) => {
      const { ci } = await saveCi(context.app, request.body, { mustBeNew: true });
      return reply.code(201).send(toCiDto((await showCi(context.app, ci.name, readable(request))).ci));
    });

    app.get('/cis/export', { config: needs('read') }, async (_request, reply) =>
      reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="cis.csv"').send(await exportCis(context.app)),
    );

    app.post('/cis/import', { config: needs('targets'), schema: { body: ciImportRequestSchema, response: { 200: ciImportResponseSchema } } }, async (request) =>
      importCis(context.app, request.body.file, request.body.csv),
    );

    app.get('/cis/:name', { config: needs('read'), schema: { params: ciNameParamsSchema, response: { 200: ciDetailSchema } } }, async (request) => {
      const { ci, relationships } = await showCi(context.app, request.params.name, readable(request));
      return { ci: toCiDto(ci), relationships: relationships.map(toRelationshipDto) };
    });

    app.put('/cis/:name', { config: needs('targets'), schema: { params: ciNameParamsSchema, body: ciInputBodySchema, response: { 200: ciSchema, 201: ciSchema } } }, async (request, reply) => {
      const { name } = request.params;
      if (request.body['name'] !== undefined && request.body['name'] !== name) {
        throw new GantryError('REQUEST_INVALID', `name: the body names CI ${JSON.stringify(request.body['name'])}, the path ${name}; leave it out or make them the same`, { where: 'name' });
      }
      const { ci, outcome } = await saveCi(context.app, { ...request.body, name });
      return reply.code(outcome === 'created' ? 201 : 200).send(toCiDto((await showCi(context.app, ci.name, readable(request))).ci));
    });

    app.delete('/cis/:name', { config: needs('targets'), schema: { params: ciNameParamsSchema } }, async (request, reply) => {
      await deleteCi(context.app, request.params.name);
      return reply.code(204).send();
    });

    app.get('/relationships', { config: needs('read'), schema: { querystring: relationshipQuerySchema, response: { 200: relationshipListSchema } } }, async (request) => ({
      relationships: (await listRelationships(context.app, request.query.ci, readable(request))).map(toRelationshipDto),
    }));

    app.put('/relationships', { config: needs('targets'), schema: { body: relationshipInputSchema, response: { 200: relationshipPutSchema, 201: relationshipPutSchema } } }, async (request, reply) => {
      const { relationship, created } = await relate(context.app, request.body);
      return reply.code(created ? 201 : 200).send({ relationship: toRelationshipDto(relationship), created });
    });

    app.delete('/relationships', { config: needs('targets'), schema: { querystring: relationshipInputSchema, response: { 200: relationshipDeleteSchema } } }, async (request) => ({
      removed: await unrelate(context.app, request.query),
    }));

    app.get('/impact', { config: needs('read'), schema: { querystring: impactQuerySchema, response: { 200: impactSchema } } }, async (request) => {
      const report = await analyseImpact(context.app, request.query.ci, request.query.depth, readable(request));
      return {
        ci: report.ci.ref,
        depth: report.depth,
        applications: report.applications.map(toStepDto),
        environments: report.environments.map(toStepDto),
        targets: report.targets.map(toStepDto),
        others: report.others.map(toStepDto),
        beyondDepth: report.beyondDepth,
        changes: report.changes.map(({ change, because }) => ({
          id: change.id,
          title: change.title,
          state: change.state,
          app: change.computed.app,
          environment: change.computed.environment,
          window: change.plan.window ? { start: change.plan.window.start, end: change.plan.window.end } : null,
          because: [...because],
        })),
      };
    });
  };
}
