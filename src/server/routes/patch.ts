import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { importAdvisories, listKnownAdvisories, patchCompliance, patchExposure } from '../../app/patch.js';
import { planPatchRollout, startPatchRollout, type PatchRolloutPlan } from '../../app/patch-rollouts.js';
import { queuedDeploymentSchema } from '../../protocol/api.js';
import {
  advisoryListSchema,
  complianceSchema,
  exposureListSchema,
  exposureQuerySchema,
  importAdvisoriesRequestSchema,
  importAdvisoriesResponseSchema,
  patchPlanSchema,
  patchRolloutRequestSchema,
  patchSelectionSchema,
  type PatchPlanDto,
} from '../../protocol/patch-api.js';
import { z } from 'zod';
import { actorOf } from '../auth.js';
import { toDeploymentDto } from '../dto.js';
import { fromBody, mayAccess, needs } from '../access.js';
import type { ServerContext } from '../server-context.js';

export function patchRoutes(context: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    // Advisories concern the whole fleet, like targets.
    app.post('/advisories', { config: needs('targets'), schema: { body: importAdvisoriesRequestSchema, response: { 200: importAdvisoriesResponseSchema } } }, async (request) =>
      importAdvisories(context.app, request.body.advisories),
    );

    app.get('/advisories', { config: needs('read'), schema: { response: { 200: advisoryListSchema } } }, async () => ({
      advisories: (await listKnownAdvisories(context.app)).map((advisory) => ({
        id: advisory.id,
        aliases: [...advisory.aliases],
        summary: advisory.summary,
        severity: advisory.severity,
        cvssScore: advisory.cvssScore,
        published: advisory.published,
        modified: advisory.modified,
        packages: advisory.affected.map((affected) => ({ ecosystem: affected.ecosystem, name: affected.name })),
      })),
    }));

    // Targets are reported under the environments that select them, each as far as the caller may read it.
    app.get('/patch/exposure', { config: needs('read'), schema: { querystring: exposureQuerySchema, response: { 200: exposureListSchema } } }, async (request) => {
      const { environment, all } = request.query;
      const rows = await patchExposure(context.app, (name) => (environment === undefined || name === environment) && mayAccess(request, 'read', { environment: name }));
      return {
        exposure: rows
          .filter((row) => all === 'true' || row.state !== 'not_affected')
          .map((row) => ({ target: row.target, environments: [...row.environments], advisory: row.advisory.id, severity: row.advisory.severity, state: row.state, packages: row.packages.map((pkg) => ({ ...pkg })), firstSeenAt: row.firstSeenAt })),
      };
    });

    // The plan shows the applications of the environment the caller may read; a rollout, those it may deploy.
    app.post('/patch/plan', { config: needs('read', fromBody), schema: { body: patchSelectionSchema, response: { 200: patchPlanSchema } } }, async (request) =>
      toPlanDto(await planPatchRollout(context.app, request.body, (name) => mayAccess(request, 'read', { app: name, environment: request.body.environment }))),
    );

    app.post(
      '/patch/rollouts',
      { config: needs('deploy', fromBody), schema: { body: patchRolloutRequestSchema, response: { 202: z.object({ plan: patchPlanSchema, deployments: z.array(queuedDeploymentSchema) }) } } },
      async (request, reply) => {
        const { plan, started } = await startPatchRollout(context.app, actorOf(request), request.body, (name) => mayAccess(request, 'deploy', { app: name, environment: request.body.environment }));
        return reply.code(202).send({
          plan: toPlanDto(plan),
          deployments: started.map((queued) => ({ deployment: toDeploymentDto(queued.deployment), waitingFor: queued.waitingFor.map((deployment) => deployment.id) })),
        });
      },
    );

    app.get('/patch/compliance', { config: needs('read'), schema: { response: { 200: complianceSchema } } }, async (request) =>
      patchCompliance(context.app, (name) => mayAccess(request, 'read', { environment: name })),
    );
  };
}

function toPlanDto(plan: PatchRolloutPlan): PatchPlanDto {
  return {
    environment: plan.environment,
    selection: plan.selection,
    advisories: [...plan.advisories],
    applications: plan.applications.map((application) => ({
      app: application.app,
      version: application.version,
      protected: application.protected,
      targets: application.targets.map((entry) => ({ target: entry.target, upgrades: entry.upgrades.map((upgrade) => ({ ...upgrade, advisories: [...upgrade.advisories] })) })),
    })),
    unknown: [...plan.unknown],
    withoutFix: plan.withoutFix.map((entry) => ({ target: entry.target, advisories: [...entry.advisories] })),
  };
}
