/**
 * DORA delivery metrics (issue 10) over what the store holds: deployments with their releases'
 * commits and trouble events, the commits releases brought, and incidents. The definitions are
 * in core/metrics/dora.ts; here the history is read, each environment given its tier from its
 * application's manifest, and narrowed to what the caller may read.
 */
import { computeDora, DEFAULT_INCIDENT_WINDOW_MS, type DoraReport } from '../core/metrics/dora.js';
import { resolvePeriod } from '../core/metrics/period.js';
import { parseDuration } from '../core/duration.js';
import { GantryError } from '../core/errors.js';
import { tierFromName, tierOf, type EnvironmentTier } from '../core/manifest/environment-tier.js';
import { listDeliveredDeployments, listReleaseCommitsByApp } from '../store/delivery-history.repository.js';
import { listIncidents } from '../store/incidents.repository.js';
import type { AppDeps } from './app-deps.js';
import { listAllApplications, requireApplication } from './applications.js';

export interface DoraRequest {
  readonly app?: string | undefined;
  readonly tier: EnvironmentTier;
  readonly since?: string | undefined;
  readonly until?: string | undefined;
  /** The incident window, `24h` (default). */
  readonly window?: string | undefined;
}

const MAX_WINDOW_MS = 90 * 86_400_000;

function incidentWindowOf(text: string | undefined): number {
  if (text === undefined) return DEFAULT_INCIDENT_WINDOW_MS;
  const days = /^(\d{1,2})d$/.exec(text.trim());
  const parsed = days ? Number(days[1]) * 86_400_000 : parseDuration(text);
  if (parsed === undefined || parsed <= 0 || parsed > MAX_WINDOW_MS) {
    throw new GantryError('REQUEST_INVALID', `window: expected how long after a deployment an incident still counts against it, like 24h, 30m or 3d (at most 90d); got ${JSON.stringify(text.slice(0, 20))}`, { where: 'window' });
  }
  return parsed;
}

export async function doraReport(deps: AppDeps, request: DoraRequest, visible: (app: string, environment: string) => boolean): Promise<DoraReport & { readonly app: string | null }> {
  const period = resolvePeriod(deps.clock.now(), request.since, request.until);
  const incidentWindowMs = incidentWindowOf(request.window);
  const applications = request.app === undefined ? await listAllApplications(deps) : [await requireApplication(deps, request.app)];
  const tiers = new Map<string, EnvironmentTier>();
  for (const application of applications) {
    for (const environment of application.manifest.environments) tiers.set(`${application.name}/${environment.name}`, tierOf(environment));
  }
  // An environment since removed from the manifest keeps the tier its name suggests.
  const tierOfEnvironment = (app: string, environment: string) => tiers.get(`${app}/${environment}`) ?? tierFromName(environment);
  const deployments = (await listDeliveredDeployments(deps.db, request.app))
    .filter((d) => visible(d.app, d.environment))
    .map((d) => ({ ...d, tier: tierOfEnvironment(d.app, d.environment) }));
  const incidents = (await listIncidents(deps.db, { app: request.app })).filter((incident) => visible(incident.app, incident.environment));
  const report = computeDora(
    { deployments, commits: await listReleaseCommitsByApp(deps.db, request.app), incidents },
    { tier: request.tier, since: period.since, until: period.until, incidentWindowMs },
  );
  return { app: request.app ?? null, ...report };
}
