import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { applyPolicy, checkPolicies, deletePolicy, listPolicies, policyHistory, policyResults, showPolicy, type StoredPolicy } from '../../app/policies.js';
import { GantryError } from '../../core/errors.js';
import {
  policyCheckRequestSchema,
  policyCheckResponseSchema,
  policyHistorySchema,
  policyInputBodySchema,
  policyListSchema,
  policyNameParamsSchema,
  policyResultsQuerySchema,
  policyResultsSchema,
  policySchema,
  type PolicyDto,
} from '../../protocol/policies-api.js';
import { mayAccess, needs } from '../access.js';
import type { ServerContext } from '../server-context.js';

function toPolicyDto({ policy, createdAt, updatedAt }: StoredPolicy): PolicyDto {
  return {
    name: policy.name,
    description: policy.description,
    resolution: policy.resolution,
    targets: { ...policy.targets },
    rules: policy.rules.map((rule) => (rule.kind === 'os' ? { ...rule, ids: [...rule.ids], versions: [...rule.versions] } : { ...rule })),
    createdAt,
    updatedAt,
  };
}

/** Endpoint compliance policies (issue 9): rules on targets' facts, their results and flips. */
export function policyRoutes(context: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    // Policies concern the whole fleet, like targets.
    app.put('/policies/:name', { config: needs('targets'), schema: { params: policyNameParamsSchema, body: policyInputBodySchema, response: { 200: policySchema, 201: policySchema } } }, async (request, reply) => {
      const { name } = request.params;
      if (request.body['name'] !== undefined && request.body['name'] !== name) {
        throw new GantryError('REQUEST_INVALID', `name: the body names policy ${JSON.stringify(request.body['name'])}, the path ${name}; leave it out or make them the same`, { where: 'name' });
      }
      const { policy, outcome } = await applyPolicy(context.app, { ...request.body, name });
      return reply.code(outcome === 'created' ? 201 : 200).send(toPolicyDto(await showPolicy(context.app, policy.name)));
    });

    // It runs a command on the targets, so it needs the fleet permission.
    app.post('/policies/check', { config: needs('targets'), schema: { body: policyCheckRequestSchema, response: { 200: policyCheckResponseSchema } } }, async (request) => ({
      checked: await checkPolicies(context.app, request.body.target === undefined ? undefined : [request.body.target]),
    }));

    app.get('/policies', { config: needs('read'), schema: { response: { 200: policyListSchema } } }, async () => ({ policies: (await listPolicies(context.app)).map(toPolicyDto) }));

    app.delete('/policies/:name', { config: needs('targets'), schema: { params: policyNameParamsSchema } }, async (request, reply) => {
      await deletePolicy(context.app, request.params.name);
      return reply.code(204).send();
    });

    // Targets are reported under the environments that select them, each as far as the caller may read it.
    app.get('/policies/results', { config: needs('read'), schema: { querystring: policyResultsQuerySchema, response: { 200: policyResultsSchema } } }, async (request) => {
      const { environment } = request.query;
      const report = await policyResults(context.app, (name) => (environment === undefined || name === environment) && mayAccess(request, 'read', { environment: name }));
      return {
        generatedAt: report.generatedAt,
        results: report.results.map((row) => ({ ...row, environments: [...row.environments], reasons: [...row.reasons] })),
        environments: report.environments.map((entry) => ({ environment: entry.environment, overall: entry.overall, policies: entry.policies.map((counts) => ({ ...counts })) })),
      };
    });

    app.get('/policies/:name/history', { config: needs('read'), schema: { params: policyNameParamsSchema, response: { 200: policyHistorySchema } } }, async (request) => {
      const { name } = request.params;
      const flips = await policyHistory(context.app, name, (environment) => mayAccess(request, 'read', { environment }));
      return { policy: name, flips: flips.map((flip) => ({ seq: flip.seq, target: flip.target, from: flip.from, to: flip.to, reasons: [...flip.reasons], at: flip.at })) };
    });
  };
}
