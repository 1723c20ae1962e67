/**
 * Incidents (issue 10): opened against an application's environment and linked, there and then,
 * to the deployment that caused it — the one named, or the latest deployment finished before it
 * opened, with the reason kept — and to that deployment's change. DORA reads these links.
 */
import type { Actor } from '../core/actor.js';
import { GantryError } from '../core/errors.js';
import { attributeIncident, type Incident, type IncidentPriority } from '../core/incident/incident.js';
import { isUniqueViolation } from '../store/constraint-errors.js';
import { listDeliveredDeployments } from '../store/delivery-history.repository.js';
import * as store from '../store/incidents.repository.js';
import type { AppDeps } from './app-deps.js';
import { requireApplication } from './applications.js';
import { requireChange } from './changes.js';
import { requireDeployment } from './deployments.js';

export interface OpenIncident {
  readonly app: string;
  readonly environment: string;
  readonly title: string;
  readonly priority: IncidentPriority;
  readonly deployment?: string | undefined;
  readonly change?: string | undefined;
  readonly at?: string | undefined;
}

/** A time the caller gave (`at`), which may not lie in the future. */
function pastTime(deps: AppDeps, at: string | undefined, where: string): string {
  const now = deps.clock.now();
  if (at === undefined) return now.toISOString();
  const time = new Date(at);
  if (time.getTime() > now.getTime()) throw new GantryError('REQUEST_INVALID', `${where}: ${at} is in the future (it is ${now.toISOString()} now)`, { where });
  return time.toISOString();
}

export async function openIncident(deps: AppDeps, actor: Actor, request: OpenIncident): Promise<Incident> {
  const application = await requireApplication(deps, request.app);
  if (!application.manifest.environments.some((environment) => environment.name === request.environment)) {
    throw new GantryError('ENVIRONMENT_NOT_FOUND', `application ${request.app} has no environment ${request.environment} (it has ${application.manifest.environments.map((e) => e.name).join(', ')})`, { where: 'environment' });
  }
  const openedAt = pastTime(deps, request.at, 'at');
  const link = await linkDeployment(deps, request, openedAt);
  const changeId = request.change === undefined ? link.changeId : await linkChange(deps, request, request.change);
  for (let attempt = 0; ; attempt++) {
    const number = await store.nextIncidentNumber(deps.db);
    const incident: Incident = {
      id: `I-${number}`,
      title: request.title,
      app: request.app,
      environment: request.environment,
      priority: request.priority,
      deploymentId: link.deploymentId,
      attribution: link.attribution,
      attributionNote: link.note,
      changeId,
      openedBy: actor.user,
      openedAt,
      resolvedAt: null,
      resolvedBy: null,
    };
    try {
      await store.insertIncident(deps.db, incident, number);
      return incident;
    } catch (error) {
      // Someone else took the number meanwhile: take the next one.
      if (!isUniqueViolation(error) || attempt >= 4) throw error;
    }
  }
}

async function linkDeployment(deps: AppDeps, request: OpenIncident, openedAt: string): Promise<{ deploymentId: string | null; attribution: Incident['attribution']; note: string; changeId: string | null }> {
  if (request.deployment !== undefined) {
    const deployment = await requireDeployment(deps, request.deployment).catch((error: unknown) => {
      throw error instanceof GantryError ? new GantryError(error.code, error.message, { where: 'deployment' }) : error;
    });
    if (deployment.app !== request.app || deployment.environment !== request.environment) {
      throw new GantryError('REQUEST_INVALID', `deployment: ${deployment.id} deployed ${deployment.app} to ${deployment.environment}, not ${request.app} to ${request.environment}`, { where: 'deployment' });
    }
    return { deploymentId: deployment.id, attribution: 'given', note: `named when the incident was opened`, changeId: deployment.changeId };
  }
  const deployments = (await listDeliveredDeployments(deps.db, request.app)).filter((d) => d.environment === request.environment);
  const attributed = attributeIncident(deployments, { app: request.app, environment: request.environment, openedAt });
  const changeId = attributed.deploymentId === null ? null : (await requireDeployment(deps, attributed.deploymentId)).changeId;
  return { deploymentId: attributed.deploymentId, attribution: attributed.attribution, note: attributed.note, changeId };
}

async function linkChange(deps: AppDeps, request: OpenIncident, id: string): Promise<string> {
  const change = await requireChange(deps, id).catch((error: unknown) => {
    throw error instanceof GantryError ? new GantryError(error.code, error.message, { where: 'change' }) : error;
  });
  if (change.computed.app !== request.app || change.computed.environment !== request.environment) {
    throw new GantryError('REQUEST_INVALID', `change: ${change.id} is for ${change.computed.app} in ${change.computed.environment}, not ${request.app} in ${request.environment}`, { where: 'change' });
  }
  return change.id;
}

export async function requireIncident(deps: AppDeps, id: string): Promise<Incident> {
  const incident = await store.getIncident(deps.db, id);
  if (!incident) throw new GantryError('INCIDENT_NOT_FOUND', `incident ${id} does not exist (see gantry incident list)`, { where: 'id' });
  return incident;
}

export async function resolveIncident(deps: AppDeps, actor: Actor, id: string, at: string | undefined): Promise<Incident> {
  const incident = await requireIncident(deps, id);
  const resolvedAt = pastTime(deps, at, 'at');
  if (Date.parse(resolvedAt) < Date.parse(incident.openedAt)) {
    throw new GantryError('REQUEST_INVALID', `at: ${resolvedAt} is before the incident was opened (${incident.openedAt})`, { where: 'at' });
  }
  if (!(await store.resolveIncident(deps.db, id, actor.user, resolvedAt))) {
    const resolved = await requireIncident(deps, id);
    throw new GantryError('INCIDENT_RESOLVED', `incident ${id} was already resolved by ${resolved.resolvedBy} at ${resolved.resolvedAt}`, { where: 'id' });
  }
  return requireIncident(deps, id);
}

/** Newest first, only those `visible` keeps (the caller's read scope). */
export async function listIncidents(deps: AppDeps, filter: store.IncidentFilter, visible: (app: string, environment: string) => boolean): Promise<Incident[]> {
  if (filter.app !== undefined) await requireApplication(deps, filter.app);
  return (await store.listIncidents(deps.db, filter)).filter((incident) => visible(incident.app, incident.environment));
}
