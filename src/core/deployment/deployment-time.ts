/**
 * What a deployment cost in time (issue 10): how long it ran, how long each batch took, and for
 * how long each target was out of the load balancer's rotation. Worked out from the events the
 * engine records, so it is the same on every node and after a restart; `now` closes what is
 * still open in a deployment that has not ended.
 */

/** The events the time is read from; the store may hand over only these. */
export const DEPLOYMENT_TIME_EVENT_TYPES = ['batch:started', 'batch:finished', 'deployment:rolling-back', 'traffic:drained', 'traffic:undrained', 'traffic:switched'] as const;

export interface TimedDeployment {
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
}

export interface TimelineEvent {
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly at: string;
}

export interface BatchTime {
  readonly batch: number;
  readonly startedAt: string;
  /** When the batch finished, or when the rollout stopped during it (a failure, a rollback); null while it runs. */
  readonly endedAt: string | null;
  readonly durationMs: number;
  /** Whether the batch finished (all its targets done and within the failure threshold). */
  readonly finished: boolean;
}

/** One stretch of time a target was out of rotation. */
export interface RotationGap {
  readonly from: string;
  /** When it came back; for a target still out when the deployment ended (or now), that moment. */
  readonly to: string;
  readonly durationMs: number;
  /** The target was still out of rotation when the deployment ended (a failed target left out), or is now. */
  readonly open: boolean;
}

export interface TargetOutOfRotation {
  readonly target: string;
  readonly gaps: readonly RotationGap[];
  readonly totalMs: number;
}

export interface DeploymentTime {
  /** Between being queued and starting. */
  readonly queuedMs: number | null;
  /** From start to end (or to now, while it runs); null before it starts. */
  readonly durationMs: number | null;
  readonly batches: readonly BatchTime[];
  /** From the start of the rollback to the end, when it was rolled back. */
  readonly rollbackMs: number | null;
  readonly outOfRotation: {
    /** Sum over targets of the time each was out of rotation ("target-milliseconds"). */
    readonly targetMs: number;
    /** The longest single stretch any one target was out. */
    readonly longestMs: number;
    readonly targets: readonly TargetOutOfRotation[];
  };
}

const msBetween = (from: string, to: string): number => Math.max(0, Date.parse(to) - Date.parse(from));

const targetsOf = (data: Readonly<Record<string, unknown>>, key: string): string[] => {
  const value = data[key];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
};

/** The events in time order (ties keep their recorded order). */
function inOrder(events: readonly TimelineEvent[]): TimelineEvent[] {
  return events.map((event, index) => ({ event, index })).sort((a, b) => Date.parse(a.event.at) - Date.parse(b.event.at) || a.index - b.index).map(({ event }) => event);
}

function batchTimes(events: readonly TimelineEvent[], endOf: string | null, end: string): BatchTime[] {
  const started = new Map<number, string>();
  const finished = new Map<number, string>();
  const rollingBack = events.find((event) => event.type === 'deployment:rolling-back')?.at ?? null;
  for (const event of events) {
    const batch = event.data.batch;
    if (typeof batch !== 'number') continue;
    if (event.type === 'batch:started' && !started.has(batch)) started.set(batch, event.at);
    if (event.type === 'batch:finished') finished.set(batch, event.at);
  }
  return [...started.entries()]
    .sort(([a], [b]) => a - b)
    .map(([batch, startedAt]) => {
      const done = finished.get(batch);
      // A batch that never finished ended when the rollout turned to rolling back, or when the deployment ended.
      const stoppedAt = rollingBack !== null && Date.parse(rollingBack) >= Date.parse(startedAt) ? rollingBack : endOf;
      const endedAt = done ?? stoppedAt;
      return { batch, startedAt, endedAt, durationMs: msBetween(startedAt, endedAt ?? end), finished: done !== undefined };
    });
}

function rotationGaps(events: readonly TimelineEvent[], end: string): TargetOutOfRotation[] {
  const outSince = new Map<string, string>();
  const gaps = new Map<string, RotationGap[]>();
  const close = (target: string, at: string, open: boolean) => {
    const from = outSince.get(target);
    if (from === undefined) return;
    outSince.delete(target);
    gaps.set(target, [...(gaps.get(target) ?? []), { from, to: at, durationMs: msBetween(from, at), open }]);
  };
  for (const event of events) {
    if (event.type === 'traffic:drained') {
      // Drained again while out (a rollback drains the failed target too): it has been out since the first time.
      for (const target of targetsOf(event.data, 'targets')) if (!outSince.has(target)) outSince.set(target, event.at);
    } else if (event.type === 'traffic:undrained') {
      for (const target of targetsOf(event.data, 'targets')) close(target, event.at, false);
    } else if (event.type === 'traffic:switched') {
      // Blue-green: the switch serves every target but `out`; those stay (or go) out from here.
      const out = new Set(targetsOf(event.data, 'out'));
      for (const target of [...outSince.keys()]) if (!out.has(target)) close(target, event.at, false);
      for (const target of out) if (!outSince.has(target)) outSince.set(target, event.at);
    }
  }
  for (const target of [...outSince.keys()]) close(target, end, true);
  return [...gaps.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([target, list]) => ({ target, gaps: list, totalMs: list.reduce((sum, gap) => sum + gap.durationMs, 0) }));
}

/**
 * The time a deployment took and cost, from its timeline events (any order; only the
 * DEPLOYMENT_TIME_EVENT_TYPES are read). `now` stands in for the end of a deployment still under way.
 */
export function measureDeploymentTime(deployment: TimedDeployment, events: readonly TimelineEvent[], now: Date): DeploymentTime {
  const ordered = inOrder(events);
  const end = deployment.finishedAt ?? now.toISOString();
  const rollingBack = ordered.find((event) => event.type === 'deployment:rolling-back')?.at ?? null;
  const targets = rotationGaps(ordered, end);
  return {
    queuedMs: deployment.startedAt === null ? null : msBetween(deployment.createdAt, deployment.startedAt),
    durationMs: deployment.startedAt === null ? null : msBetween(deployment.startedAt, end),
    batches: batchTimes(ordered, deployment.finishedAt, end),
    rollbackMs: rollingBack === null ? null : msBetween(rollingBack, end),
    outOfRotation: {
      targetMs: targets.reduce((sum, target) => sum + target.totalMs, 0),
      longestMs: Math.max(0, ...targets.flatMap((target) => target.gaps.map((gap) => gap.durationMs))),
      targets,
    },
  };
}
