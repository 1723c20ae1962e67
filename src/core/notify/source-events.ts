import type { RiskLevel } from '../change/risk-config.js';
import type { NotificationEvent, NotificationEventType, NotificationSeverity } from './events.js';

/**
 * Recorded state → notification events. Pure: the app layer reads the rows and the clock. Each
 * event's once key is event + subject + state, so reading the same row twice (a retry, a restart,
 * a second node) yields the same key and the key table lets it through once.
 */

/** A row of a deployment's event log, with the deployment it belongs to. */
export interface DeploymentEventRow {
  readonly seq: number;
  readonly deploymentId: string;
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly at: string;
  readonly app: string;
  readonly environment: string;
  readonly version: string;
  /** The risk of the change the deployment implements, if any. */
  readonly risk: RiskLevel | null;
  /** The targets of each batch, from the deployment's plan (empty when unknown). */
  readonly batches: readonly (readonly string[])[];
  readonly reason: string | null;
}

function event(fields: Omit<NotificationEvent, 'labels' | 'digestKey' | 'data' | 'lines' | 'risk'> & Partial<Pick<NotificationEvent, 'labels' | 'digestKey' | 'data' | 'lines' | 'risk'>>): NotificationEvent {
  return { labels: {}, digestKey: null, data: {}, lines: [], risk: null, ...fields };
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

export function deploymentNotification(row: DeploymentEventRow): NotificationEvent | null {
  const subject = `deployment ${row.deploymentId}`;
  const base = { subject, at: row.at, app: row.app, environment: row.environment, risk: row.risk };
  const what = `${row.app} ${row.version} to ${row.environment}`;
  const data = { deployment: row.deploymentId, app: row.app, environment: row.environment, version: row.version };
  const make = (type: NotificationEventType, state: string, severity: NotificationSeverity, title: string, lines: string[] = [], extra: Record<string, unknown> = {}) =>
    event({ ...base, type, onceKey: `${type}:${row.deploymentId}${state ? `:${state}` : ''}`, severity, title, lines, data: { ...data, ...extra } });
  switch (row.type) {
    case 'deployment:started':
      return make('deployment.started', '', 'info', `Deploying ${what}`);
    case 'batch:finished': {
      const batch = typeof row.data.batch === 'number' ? row.data.batch : 0;
      const targets = row.batches[batch] ?? [];
      const of = row.batches.length > 0 ? `/${row.batches.length}` : '';
      return make('deployment.batch-finished', `batch${batch + 1}`, 'info', `Batch ${batch + 1}${of} of ${what} finished`, targets.length > 0 ? [`targets: ${targets.join(', ')}`] : [], { batch: batch + 1, targets });
    }
    case 'deployment:succeeded':
      return make('deployment.succeeded', '', 'success', `Deployed ${what}`);
    case 'deployment:failed': {
      const why = text(row.data.message) ?? row.reason;
      return make('deployment.failed', '', 'failure', `Deployment of ${what} failed`, why ? [why] : [], text(row.data.code) ? { code: row.data.code } : {});
    }
    case 'deployment:rolled-back':
      return make('deployment.rolled-back', '', 'warning', `Deployment of ${what} was rolled back`, row.reason ? [row.reason] : []);
    case 'deployment:paused': {
      // A pause with a time to go on is not waiting for anyone; one without is (a manual gate).
      if (row.data.resumeAt !== null && row.data.resumeAt !== undefined) return null;
      return make('deployment.waiting-for-promotion', `seq${row.seq}`, 'warning', `${what} is waiting for promotion`, [text(row.data.reason) ?? 'paused: waiting for gantry promote (or resume)']);
    }
    default:
      return null;
  }
}

/** A row of a change's event log, with the change it belongs to. */
export interface ChangeEventRow {
  readonly seq: number;
  readonly changeId: string;
  readonly type: string;
  readonly fromState: string | null;
  readonly toState: string | null;
  readonly actor: string;
  readonly at: string;
  readonly title: string;
  readonly app: string;
  readonly environment: string;
  readonly version: string;
  readonly risk: RiskLevel | null;
  readonly windowStart: string | null;
}

/**
 * Submitted; approved (authorised: the policy is satisfied, whoever gave the last vote);
 * rejected; scheduled (entered `scheduled`, after approval or straight from a standard change's
 * submission). One row may be both approved and scheduled.
 */
export function changeNotifications(row: ChangeEventRow): NotificationEvent[] {
  const subject = `change ${row.changeId}`;
  const base = { subject, at: row.at, app: row.app, environment: row.environment, risk: row.risk };
  const what = `${row.changeId} "${row.title}" (${row.app} ${row.version} to ${row.environment})`;
  const data = { change: row.changeId, app: row.app, environment: row.environment, version: row.version, actor: row.actor };
  const make = (type: NotificationEventType, severity: NotificationSeverity, title: string, lines: string[] = []) =>
    event({ ...base, type, onceKey: `${type}:${row.changeId}:e${row.seq}`, severity, title, lines, data });
  const events: NotificationEvent[] = [];
  if (row.type === 'change:submitted') events.push(make('change.submitted', 'info', `Change ${what} submitted by ${row.actor}`, row.risk ? [`risk: ${row.risk}`] : []));
  if (row.toState === 'scheduled' && row.fromState === 'authorize') events.push(make('change.approved', 'success', `Change ${what} approved`));
  if (row.toState === 'rejected' && row.fromState !== 'rejected') events.push(make('change.rejected', 'failure', `Change ${what} rejected`, [`by ${row.actor}`]));
  if (row.toState === 'scheduled' && row.fromState !== 'scheduled') {
    events.push(make('change.scheduled', 'info', `Change ${what} scheduled`, row.windowStart ? [`window starts ${row.windowStart}`] : []));
  }
  return events;
}

/** A change of a target's state against a compliance policy. */
export interface PolicyFlipRow {
  readonly seq: number;
  readonly policy: string;
  readonly target: string;
  readonly from: string | null;
  readonly to: string;
  readonly reasons: readonly string[];
  readonly at: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** Digested per policy: a patch wave flips many hosts at once, and people want one message. */
export function complianceNotification(row: PolicyFlipRow): NotificationEvent | null {
  if (row.to === 'not_applicable' && (row.from === null || row.from === 'not_applicable')) return null;
  const severity: NotificationSeverity = row.to === 'pass' ? 'success' : row.to === 'fail' ? 'failure' : 'warning';
  return event({
    type: 'compliance.changed',
    subject: `target ${row.target}`,
    onceKey: `compliance.changed:${row.policy}/${row.target}:f${row.seq}`,
    at: row.at,
    severity,
    title: `${row.target} is ${row.to} against policy ${row.policy}${row.from ? ` (was ${row.from})` : ''}`,
    lines: [...row.reasons],
    app: null,
    environment: null,
    labels: row.labels,
    digestKey: `policy:${row.policy}`,
    data: { policy: row.policy, target: row.target, from: row.from, to: row.to },
  });
}

/** A release's last drift check on a target, while it is drifted. */
export interface DriftEpisode {
  readonly target: string;
  readonly app: string;
  readonly environment: string;
  readonly version: string;
  readonly firstSeenAt: string;
  readonly changed: number;
  readonly added: number;
  readonly removed: number;
  readonly unauthorised: boolean;
  readonly labels: Readonly<Record<string, string>>;
}

/** Once per drift episode (its first sighting), digested per environment. */
export function driftNotification(episode: DriftEpisode): NotificationEvent {
  const counts = [`${episode.changed} changed`, `${episode.added} added`, `${episode.removed} removed`].join(', ');
  return event({
    type: 'drift.detected',
    subject: `target ${episode.target}`,
    onceKey: `drift.detected:${episode.app}@${episode.target}:${episode.firstSeenAt}`,
    at: episode.firstSeenAt,
    severity: episode.unauthorised ? 'failure' : 'warning',
    title: `${episode.app} ${episode.version} on ${episode.target} drifted from its release`,
    lines: [`files: ${counts}`, ...(episode.unauthorised ? ['no change or deployment explains it'] : [])],
    app: episode.app,
    environment: episode.environment,
    labels: episode.labels,
    digestKey: `environment:${episode.environment}`,
    data: { target: episode.target, app: episode.app, environment: episode.environment, version: episode.version, changed: episode.changed, added: episode.added, removed: episode.removed },
  });
}

export interface AgentTargetPresence {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** When its last session ended; null: never connected (never online, so never offline). */
  readonly lastSeenAt: string | null;
  readonly online: boolean;
}

/** Agents silent longer than the offline setting, once per time they were last seen. */
export function agentOfflineNotifications(agents: readonly AgentTargetPresence[], now: Date, offlineMs: number): NotificationEvent[] {
  return agents
    .filter((agent) => !agent.online && agent.lastSeenAt !== null && now.getTime() - Date.parse(agent.lastSeenAt) >= offlineMs)
    .map((agent) =>
      event({
        type: 'agent.offline',
        subject: `target ${agent.name}`,
        onceKey: `agent.offline:${agent.name}:${agent.lastSeenAt}`,
        at: now.toISOString(),
        severity: 'warning',
        title: `Agent ${agent.name} is offline`,
        lines: [`last seen ${agent.lastSeenAt}`],
        app: null,
        environment: null,
        labels: agent.labels,
        data: { target: agent.name, lastSeenAt: agent.lastSeenAt },
      }),
    );
}

export interface ScheduledChange {
  readonly id: string;
  readonly title: string;
  readonly app: string;
  readonly environment: string;
  readonly version: string;
  readonly risk: RiskLevel | null;
  readonly windowStart: string;
}

/** Scheduled changes whose window opens within `leadMs` (and has not opened yet), once per window start. */
export function windowSoonNotifications(changes: readonly ScheduledChange[], now: Date, leadMs: number): NotificationEvent[] {
  return changes
    .filter((change) => {
      const start = Date.parse(change.windowStart);
      return start >= now.getTime() && start - now.getTime() <= leadMs;
    })
    .map((change) =>
      event({
        type: 'change.window-soon',
        subject: `change ${change.id}`,
        onceKey: `change.window-soon:${change.id}:${change.windowStart}`,
        at: now.toISOString(),
        severity: 'info',
        title: `The window of change ${change.id} "${change.title}" opens at ${change.windowStart}`,
        lines: [`${change.app} ${change.version} to ${change.environment}`],
        app: change.app,
        environment: change.environment,
        risk: change.risk,
        data: { change: change.id, app: change.app, environment: change.environment, version: change.version, windowStart: change.windowStart },
      }),
    );
}
