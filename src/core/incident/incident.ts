/**
 * Incidents (issue 10), minimal: enough to link a production problem to the deployment that
 * caused it when it is opened, so DORA's change failure rate and time to restore are read from
 * links, not guessed by joining dates (itsm-anchors §2.8, item 7).
 */
import type { DeploymentKind } from '../model.js';
import type { DeploymentState } from '../deployment/deployment-machine.js';

export const INCIDENT_PRIORITIES = ['P1', 'P2', 'P3'] as const;
export type IncidentPriority = (typeof INCIDENT_PRIORITIES)[number];

/** How the incident's deployment was chosen: named by whoever opened it, or the latest one before it (see attributeIncident). */
export type IncidentAttribution = 'given' | 'latest' | 'none';

export interface Incident {
  /** `I-<n>`, numbered like changes. */
  readonly id: string;
  readonly title: string;
  readonly app: string;
  readonly environment: string;
  readonly priority: IncidentPriority;
  readonly deploymentId: string | null;
  readonly attribution: IncidentAttribution;
  /** Why this deployment (or none), in words, kept as it was decided. */
  readonly attributionNote: string;
  readonly changeId: string | null;
  readonly openedBy: string;
  readonly openedAt: string;
  readonly resolvedAt: string | null;
  readonly resolvedBy: string | null;
}

/** What attribution needs to know of a deployment. */
export interface AttributableDeployment {
  readonly id: string;
  readonly app: string;
  readonly environment: string;
  readonly kind: DeploymentKind;
  readonly state: DeploymentState;
  readonly finishedAt: string | null;
}

/** States of a deployment that changed what runs: it went (at least partly) out. */
const SHIPPED_STATES: readonly DeploymentState[] = ['succeeded', 'failed', 'rolled_back', 'rollback_failed'];

/**
 * The deployment an incident opened without naming one is attributed to: the latest deployment
 * (kind deploy: a rollback restores, it does not cause) of the app to the environment that
 * finished before the incident was opened; none when there is none.
 */
export function attributeIncident(
  deployments: readonly AttributableDeployment[],
  incident: { readonly app: string; readonly environment: string; readonly openedAt: string },
): { readonly deploymentId: string | null; readonly attribution: IncidentAttribution; readonly note: string } {
  const opened = Date.parse(incident.openedAt);
  const candidates = deployments
    .filter((d) => d.app === incident.app && d.environment === incident.environment && d.kind === 'deploy' && SHIPPED_STATES.includes(d.state) && d.finishedAt !== null && Date.parse(d.finishedAt) <= opened)
    .sort((a, b) => Date.parse(b.finishedAt as string) - Date.parse(a.finishedAt as string) || b.id.localeCompare(a.id));
  const latest = candidates[0];
  if (!latest) return { deploymentId: null, attribution: 'none', note: `no deployment of ${incident.app} to ${incident.environment} finished before the incident was opened` };
  return {
    deploymentId: latest.id,
    attribution: 'latest',
    note: `the latest deployment of ${incident.app} to ${incident.environment} finished before the incident was opened (${latest.id}, ${latest.state} at ${latest.finishedAt})`,
  };
}
