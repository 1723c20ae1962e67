import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { doraReport } from '../../app/dora.js';
import type { DoraReport } from '../../core/metrics/dora.js';
import { doraQuerySchema, doraReportSchema, type DoraReportDto } from '../../protocol/dora-api.js';
import { mayAccess, needs, type ResourceOf } from '../access.js';
import type { ServerContext } from '../server-context.js';

/** `?app=`: the application asked about (a scoped caller must be able to read it). */
const fromAppQuery: ResourceOf = async (request) => {
  const app = (request.query as Record<string, unknown> | undefined)?.['app'];
  return { app: typeof app === 'string' ? app : undefined };
};

function toDoraDto(report: DoraReport & { readonly app: string | null }): DoraReportDto {
  const { deploymentFrequency: frequency, leadTime, changeFailureRate: failureRate, timeToRestore: restore } = report;
  const refs = <T extends object>(list: readonly T[]): T[] => list.map((entry) => ({ ...entry }));
  return {
    app: report.app,
    tier: report.tier,
    since: report.since,
    until: report.until,
    incidentWindowMs: report.incidentWindowMs,
    deploymentFrequency: { ...frequency, deployments: refs(frequency.deployments) },
    leadTime: { medianMs: leadTime.medianMs, commits: refs(leadTime.commits), unknown: refs(leadTime.unknown) },
    changeFailureRate: {
      ...failureRate,
      deployments: refs(failureRate.deployments),
      failures: failureRate.failures.map((failure) => ({ deployment: { ...failure.deployment }, reasons: refs(failure.reasons) })),
      incidentsOutsideWindow: refs(failureRate.incidentsOutsideWindow),
    },
    timeToRestore: { medianMs: restore.medianMs, restores: refs(restore.restores), notRestored: refs(restore.notRestored) },
  };
}

/** DORA delivery metrics (issue 10) as JSON; the Prometheus exposition is `GET /metrics`, elsewhere. */
export function doraRoutes(context: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    // Figures cover only the applications and environments the caller may read.
    app.get('/metrics/dora', { config: needs('read', fromAppQuery), schema: { querystring: doraQuerySchema, response: { 200: doraReportSchema } } }, async (request) =>
      toDoraDto(await doraReport(context.app, request.query, (name, environment) => mayAccess(request, 'read', { app: name, environment }))),
    );
  };
}
