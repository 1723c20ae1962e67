/** `gantry incident open|resolve|list`: incidents linked to the deployment that caused them (issue 10). */
import type { IncidentDto, OpenIncidentRequest } from '../../client/api-client.js';
import { connect } from '../connect.js';
import type { CommandContext } from '../context.js';
import { EXIT_CODES } from '../exit-codes.js';
import { NONE } from '../format.js';

export interface IncidentOpenFlags {
  readonly app: string;
  readonly env: string;
  readonly title: string;
  readonly deployment?: string;
  readonly change?: string;
  readonly priority?: string;
  readonly at?: string;
  readonly json?: boolean;
}

function describeLink(incident: IncidentDto): string {
  if (incident.deploymentId === null) return `not linked to a deployment: ${incident.attributionNote}`;
  return incident.attribution === 'given' ? `linked to ${incident.deploymentId} (named)` : `linked to ${incident.deploymentId}: ${incident.attributionNote}`;
}

export async function openIncident(ctx: CommandContext, flags: IncidentOpenFlags): Promise<number> {
  const request: OpenIncidentRequest = {
    app: flags.app,
    environment: flags.env,
    title: flags.title,
    ...(flags.priority === undefined ? {} : { priority: flags.priority as OpenIncidentRequest['priority'] }),
    ...(flags.deployment === undefined ? {} : { deployment: flags.deployment }),
    ...(flags.change === undefined ? {} : { change: flags.change }),
    ...(flags.at === undefined ? {} : { at: flags.at }),
  };
  const incident = await connect(ctx).openIncident(request);
  if (flags.json) ctx.output.json(incident);
  else ctx.output.line(`opened ${incident.id} (${incident.priority}) on ${incident.app} in ${incident.environment}, ${describeLink(incident)}`);
  return EXIT_CODES.ok;
}

export async function resolveIncident(ctx: CommandContext, id: string, flags: { at?: string; json?: boolean }): Promise<number> {
  const incident = await connect(ctx).resolveIncident(id, flags.at);
  if (flags.json) ctx.output.json(incident);
  else ctx.output.line(`resolved ${incident.id} at ${incident.resolvedAt} (open since ${incident.openedAt})`);
  return EXIT_CODES.ok;
}

export async function listIncidents(ctx: CommandContext, flags: { app?: string; env?: string; open?: boolean; json?: boolean }): Promise<number> {
  const incidents = await connect(ctx).listIncidents({ app: flags.app, environment: flags.env, open: flags.open });
  if (flags.json) ctx.output.json({ incidents });
  else
    ctx.output.table(
      ['ID', 'PRIORITY', 'APP', 'ENVIRONMENT', 'DEPLOYMENT', 'OPENED', 'RESOLVED', 'TITLE'],
      incidents.map((incident) => [incident.id, incident.priority, incident.app, incident.environment, incident.deploymentId ?? NONE, incident.openedAt, incident.resolvedAt ?? 'open', incident.title]),
    );
  return EXIT_CODES.ok;
}
