import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { readDashboard } from '../../app/dashboard.js';
import { dashboardSchema, type DashboardDto } from '../../protocol/dashboard-api.js';
import { mayAccess, needs } from '../access.js';
import { streamActivity } from '../activity-stream.js';
import { actorOf } from '../auth.js';
import { toDeploymentDto } from '../dto.js';
import type { ServerContext } from '../server-context.js';

export function dashboardRoutes(context: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/dashboard', { config: needs('read'), schema: { response: { 200: dashboardSchema } } }, async (request): Promise<DashboardDto> => {
      const rows = await readDashboard(context.app, (application, environment) => mayAccess(request, 'read', { app: application, environment }));
      return { applications: rows.map((row) => ({ ...row, cells: row.cells.map((cell) => ({ ...cell, selector: { ...cell.selector }, latest: cell.latest ? toDeploymentDto(cell.latest) : null })) })) };
    });

    // Server-Sent Events: the deployments the caller may see, each time one moves.
    app.get('/activity', { config: needs('read') }, async (request, reply) => {
      streamActivity(context, request, reply, actorOf(request));
    });
  };
}
