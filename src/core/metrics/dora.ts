/**
 * The four DORA delivery metrics (issue 10), defined once, over first-class links rather than
 * joins by date (itsm-anchors §2.8, item 7): a failure is attributed to exactly one deployment —
 * the one that ended failed or rolled back, the one a rollback returned from, or the one an
 * incident was linked to when it was opened — and every figure comes with the deployments (and
 * commits) behind it. Pure: the history and the period are given; nothing reads the clock.
 *
 * Counted as "production deployments": deployments of kind `deploy` to environments of the
 * requested tier that ended succeeded, failed, rolled_back or rollback_failed. Rollbacks are
 * remediation, not changes, and cancelled deployments changed nothing, so neither counts.
 */
import type { DeploymentState } from '../deployment/deployment-machine.js';
import type { EnvironmentTier } from '../manifest/environment-tier.js';
import type { DeploymentKind } from '../model.js';
import { ancestryOf, type CommitRecord } from '../release/commit-graph.js';

const DAY_MS = 86_400_000;
export const DEFAULT_INCIDENT_WINDOW_MS = DAY_MS;

/** A deployment as the metrics read it. */
export interface DoraDeploymentRecord {
  readonly id: string;
  readonly app: string;
  readonly environment: string;
  readonly tier: EnvironmentTier;
  readonly version: string;
  readonly kind: DeploymentKind;
  readonly state: DeploymentState;
  readonly createdAt: string;
  readonly finishedAt: string | null;
  /** The commit the release was built from; null when the release recorded none. */
  readonly commit: string | null;
  /** Its first `deployment:failed` or `deployment:rolling-back` event: when the failure was seen. */
  readonly troubleAt: string | null;
}

export interface DoraIncidentRecord {
  readonly id: string;
  readonly app: string;
  readonly environment: string;
  readonly deploymentId: string | null;
  readonly openedAt: string;
  readonly resolvedAt: string | null;
}

export interface DoraHistory {
  /** Every deployment of the apps looked at, in any environment and at any time (earlier ones decide which commits shipped first). */
  readonly deployments: readonly DoraDeploymentRecord[];
  /** Per app, the commits its releases brought (release_commits), by sha. */
  readonly commits: ReadonlyMap<string, ReadonlyMap<string, CommitRecord>>;
  readonly incidents: readonly DoraIncidentRecord[];
}

export interface DoraQuery {
  readonly tier: EnvironmentTier;
  /** Inclusive start and exclusive end of the period, ISO 8601. */
  readonly since: string;
  readonly until: string;
  /** How long after a deployment finished a linked incident still counts as its failure. */
  readonly incidentWindowMs: number;
}

export interface DeploymentRef {
  readonly id: string;
  readonly app: string;
  readonly environment: string;
  readonly version: string;
  readonly state: DeploymentState;
  readonly finishedAt: string;
}

export interface ShippedCommit {
  readonly app: string;
  readonly sha: string;
  readonly subject: string;
  readonly committedAt: string;
  /** The first successful deployment of the tier whose release contains it. */
  readonly deploymentId: string;
  readonly shippedAt: string;
  readonly leadTimeMs: number;
}

export type FailureReason =
  | { readonly kind: 'failed'; readonly at: string; readonly text: string }
  | { readonly kind: 'rolled_back'; readonly at: string; readonly text: string; readonly rollbackId: string | null }
  | { readonly kind: 'incident'; readonly at: string; readonly text: string; readonly incidentId: string };

export interface CountedFailure {
  readonly deployment: DeploymentRef;
  readonly reasons: readonly FailureReason[];
}

export interface Restore {
  readonly deploymentId: string;
  readonly detectedAt: string;
  /** What was seen first: `ended failed`, `rollback d-9 began`, `incident I-3 opened`. */
  readonly detectedBy: string;
  readonly restoredAt: string;
  /** `rollback finished`, `rollback d-9 finished`, `d-12 succeeded`, `incident I-3 resolved`. */
  readonly restoredBy: string;
  readonly durationMs: number;
}

export interface DoraReport {
  readonly tier: EnvironmentTier;
  readonly since: string;
  readonly until: string;
  readonly incidentWindowMs: number;
  readonly deploymentFrequency: {
    readonly count: number;
    readonly days: number;
    readonly perDay: number;
    readonly perWeek: number;
    readonly deployments: readonly DeploymentRef[];
  };
  readonly leadTime: {
    readonly medianMs: number | null;
    readonly commits: readonly ShippedCommit[];
    /** Successful deployments in the period whose release recorded no commit (or none Gantry holds): left out, not ignored. */
    readonly unknown: readonly DeploymentRef[];
  };
  readonly changeFailureRate: {
    readonly rate: number | null;
    readonly failed: number;
    readonly total: number;
    readonly deployments: readonly DeploymentRef[];
    readonly failures: readonly CountedFailure[];
    /** Incidents linked to a counted deployment but opened more than the window after it finished. */
    readonly incidentsOutsideWindow: readonly { readonly incidentId: string; readonly deploymentId: string; readonly openedAt: string }[];
  };
  readonly timeToRestore: {
    readonly medianMs: number | null;
    readonly restores: readonly Restore[];
    /** Failures with nothing yet that restored them. */
    readonly notRestored: readonly { readonly deploymentId: string; readonly detectedAt: string; readonly detectedBy: string }[];
  };
}

const SHIPPED_STATES: readonly DeploymentState[] = ['succeeded', 'failed', 'rolled_back', 'rollback_failed'];
const ms = (iso: string) => Date.parse(iso);

/** The median; the mean of the two middle values for an even count; null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

type Finished = DoraDeploymentRecord & { readonly finishedAt: string };

function refOf(deployment: Finished): DeploymentRef {
  return { id: deployment.id, app: deployment.app, environment: deployment.environment, version: deployment.version, state: deployment.state, finishedAt: deployment.finishedAt };
}

const byFinish = (a: Finished, b: Finished) => ms(a.finishedAt) - ms(b.finishedAt) || a.id.localeCompare(b.id);

export function computeDora(history: DoraHistory, query: DoraQuery): DoraReport {
  const since = ms(query.since);
  const until = ms(query.until);
  const inPeriod = (iso: string) => ms(iso) >= since && ms(iso) < until;
  const ofTier = history.deployments.filter((d) => d.tier === query.tier);
  const finished = ofTier.filter((d): d is Finished => d.finishedAt !== null).sort(byFinish);
  const changes = finished.filter((d) => d.kind === 'deploy' && SHIPPED_STATES.includes(d.state));
  const successes = changes.filter((d) => d.state === 'succeeded');
  const changesInPeriod = changes.filter((d) => inPeriod(d.finishedAt));
  const successesInPeriod = successes.filter((d) => inPeriod(d.finishedAt));

  const days = Math.max(until - since, 0) / DAY_MS;
  const deploymentFrequency = {
    count: successesInPeriod.length,
    days,
    perDay: days > 0 ? successesInPeriod.length / days : 0,
    perWeek: days > 0 ? (successesInPeriod.length / days) * 7 : 0,
    deployments: successesInPeriod.map(refOf),
  };

  const leadTime = leadTimeOf(successes, history.commits, inPeriod);
  const failures = changesInPeriod.map((d) => ({ deployment: d, reasons: failureReasons(d, finished, ofTier, history.incidents, query.incidentWindowMs) }));
  const counted = failures.filter((f) => f.reasons.length > 0);
  const outsideWindow = changesInPeriod.flatMap((d) =>
    history.incidents
      .filter((incident) => incident.deploymentId === d.id && ms(incident.openedAt) - ms(d.finishedAt) > query.incidentWindowMs)
      .map((incident) => ({ incidentId: incident.id, deploymentId: d.id, openedAt: incident.openedAt })),
  );

  const restores: Restore[] = [];
  const notRestored: { deploymentId: string; detectedAt: string; detectedBy: string }[] = [];
  for (const failure of counted) {
    const outcome = restoreOf(failure.deployment, failure.reasons, finished, history.incidents);
    if ('restoredAt' in outcome) restores.push(outcome);
    else notRestored.push(outcome);
  }

  return {
    tier: query.tier,
    since: query.since,
    until: query.until,
    incidentWindowMs: query.incidentWindowMs,
    deploymentFrequency,
    leadTime,
    changeFailureRate: {
      rate: changesInPeriod.length > 0 ? counted.length / changesInPeriod.length : null,
      failed: counted.length,
      total: changesInPeriod.length,
      deployments: changesInPeriod.map(refOf),
      failures: counted.map((f) => ({ deployment: refOf(f.deployment), reasons: f.reasons })),
      incidentsOutsideWindow: outsideWindow,
    },
    timeToRestore: { medianMs: median(restores.map((r) => r.durationMs)), restores, notRestored },
  };
}

/**
 * Each commit's lead time: from its commit time to the first successful deployment of the tier
 * whose release contains it (reachable from the release's commit), for commits whose first such
 * deployment falls in the period. Walks every success in order, so a commit shipped before the
 * period is never counted again.
 */
function leadTimeOf(successes: readonly Finished[], commitsByApp: DoraHistory['commits'], inPeriod: (iso: string) => boolean): DoraReport['leadTime'] {
  const shipped = new Set<string>();
  const commits: ShippedCommit[] = [];
  const unknown: DeploymentRef[] = [];
  for (const deployment of successes) {
    const graph = commitsByApp.get(deployment.app);
    if (deployment.commit === null || !graph?.has(deployment.commit)) {
      if (inPeriod(deployment.finishedAt)) unknown.push(refOf(deployment));
      continue;
    }
    for (const sha of ancestryOf(graph, deployment.commit)) {
      const key = `${deployment.app}\u0000${sha}`;
      const commit = graph.get(sha);
      if (!commit || shipped.has(key)) continue;
      shipped.add(key);
      if (!inPeriod(deployment.finishedAt)) continue;
      commits.push({
        app: deployment.app,
        sha,
        subject: commit.subject,
        committedAt: commit.committedAt,
        deploymentId: deployment.id,
        shippedAt: deployment.finishedAt,
        leadTimeMs: ms(deployment.finishedAt) - ms(commit.committedAt),
      });
    }
  }
  commits.sort((a, b) => ms(a.shippedAt) - ms(b.shippedAt) || ms(a.committedAt) - ms(b.committedAt) || a.sha.localeCompare(b.sha));
  return { medianMs: median(commits.map((c) => c.leadTimeMs)), commits, unknown };
}

/**
 * The rollback deployment that returned the environment from `deployment`: a later rollback of
 * the same app and environment, started while `deployment` was the last to have succeeded there.
 */
function rollbackFrom(deployment: Finished, finished: readonly Finished[], all: readonly DoraDeploymentRecord[]): DoraDeploymentRecord | null {
  if (deployment.state !== 'succeeded') return null;
  const sameTarget = (d: DoraDeploymentRecord) => d.app === deployment.app && d.environment === deployment.environment;
  const rollbacks = all
    .filter((d) => sameTarget(d) && d.kind === 'rollback' && d.state !== 'cancelled' && d.state !== 'queued' && ms(d.createdAt) >= ms(deployment.finishedAt))
    .sort((a, b) => ms(a.createdAt) - ms(b.createdAt) || a.id.localeCompare(b.id));
  for (const rollback of rollbacks) {
    const live = finished.filter((d) => sameTarget(d) && d.state === 'succeeded' && ms(d.finishedAt) <= ms(rollback.createdAt)).at(-1);
    if (live?.id === deployment.id) return rollback;
  }
  return null;
}

function failureReasons(deployment: Finished, finished: readonly Finished[], all: readonly DoraDeploymentRecord[], incidents: readonly DoraIncidentRecord[], windowMs: number): FailureReason[] {
  const reasons: FailureReason[] = [];
  if (deployment.state === 'failed' || deployment.state === 'rollback_failed') {
    reasons.push({ kind: 'failed', at: deployment.troubleAt ?? deployment.finishedAt, text: deployment.state === 'failed' ? 'ended failed' : 'its rollback failed' });
  } else if (deployment.state === 'rolled_back') {
    reasons.push({ kind: 'rolled_back', at: deployment.troubleAt ?? deployment.finishedAt, text: 'rolled back', rollbackId: null });
  } else {
    const rollback = rollbackFrom(deployment, finished, all);
    if (rollback) reasons.push({ kind: 'rolled_back', at: rollback.createdAt, text: `rolled back by ${rollback.id}`, rollbackId: rollback.id });
  }
  for (const incident of incidents) {
    if (incident.deploymentId !== deployment.id || ms(incident.openedAt) - ms(deployment.finishedAt) > windowMs) continue;
    reasons.push({ kind: 'incident', at: incident.openedAt, text: `incident ${incident.id}`, incidentId: incident.id });
  }
  return reasons.sort((a, b) => ms(a.at) - ms(b.at));
}

/**
 * Detected: the earliest reason (it failed or began rolling back, a rollback was started, an
 * incident was opened). Restored: whichever comes first of its own rollback finishing, the
 * rollback that returned from it finishing, the next successful deployment of the app to the
 * environment after detection, or its counted incidents all resolved.
 */
function restoreOf(deployment: Finished, reasons: readonly FailureReason[], finished: readonly Finished[], incidents: readonly DoraIncidentRecord[]): Restore | { deploymentId: string; detectedAt: string; detectedBy: string } {
  const first = reasons[0]!;
  const detectedAt = first.at;
  const detectedBy = first.kind === 'failed' ? first.text : first.kind === 'incident' ? `incident ${first.incidentId} opened` : first.rollbackId ? `rollback ${first.rollbackId} began` : 'rolling back began';
  const candidates: { at: string; by: string }[] = [];
  if (deployment.state === 'rolled_back') candidates.push({ at: deployment.finishedAt, by: 'rollback finished' });
  for (const reason of reasons) {
    if (reason.kind !== 'rolled_back' || reason.rollbackId === null) continue;
    const rollback = finished.find((d) => d.id === reason.rollbackId);
    if (rollback?.state === 'succeeded') candidates.push({ at: rollback.finishedAt, by: `rollback ${rollback.id} finished` });
  }
  const next = finished.find(
    (d) => d.app === deployment.app && d.environment === deployment.environment && d.id !== deployment.id && d.state === 'succeeded' && ms(d.finishedAt) >= ms(detectedAt),
  );
  if (next) candidates.push({ at: next.finishedAt, by: `${next.id} succeeded` });
  const counted = reasons.flatMap((r) => (r.kind === 'incident' ? incidents.filter((i) => i.id === r.incidentId) : []));
  if (counted.length > 0 && counted.every((i) => i.resolvedAt !== null)) {
    const last = counted.reduce((a, b) => (ms(b.resolvedAt as string) > ms(a.resolvedAt as string) ? b : a));
    candidates.push({ at: last.resolvedAt as string, by: `incident ${last.id} resolved` });
  }
  const restored = candidates.sort((a, b) => ms(a.at) - ms(b.at))[0];
  if (!restored) return { deploymentId: deployment.id, detectedAt, detectedBy };
  return { deploymentId: deployment.id, detectedAt, detectedBy, restoredAt: restored.at, restoredBy: restored.by, durationMs: Math.max(0, ms(restored.at) - ms(detectedAt)) };
}
