import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { importAdvisories, listKnownAdvisories, patchCompliance, patchExposure } from '../../app/patch.js';
import { advisoryListSchema, complianceSchema, exposureListSchema, exposureQuerySchema, importAdvisoriesRequestSchema, importAdvisoriesResponseSchema } from '../../protocol/patch-api.js';
import { mayAccess, needs } from '../access.js';
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
          .map((row) => ({ target: row.target, environments: [...row.environments], advisory: row.advisory.id, severity: row.advisory.severity, state: row.state, packages: row.packages.map((pkg) => ({ ...pkg })) })),
      };
    });

    app.get('/patch/compliance', { config: needs('read'), schema: { response: { 200: complianceSchema } } }, async (request) =>
      patchCompliance(context.app, (name) => mayAccess(request, 'read', { environment: name })),
    );
  };
}
