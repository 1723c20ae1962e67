/**
 * The evidence bundle of a change request, built once its deployment has ended: what ran where
 * and when, how each batch and each analysis went, the pauses and the rollback, who approved
 * what, and a proposed close code for the post-implementation review (ServiceNow's
 * successful / successful with issues / unsuccessful).
 *
 * Pure: everything comes from the stored deployment, its tasks, its events and measurements and
 * the recorded approvals. Times are the recorded ISO strings, compared, never read from a clock.
 * The bundle is plain JSON data (no Dates, no Maps, no undefined), so it can be stored as it is
 * and shown again years later.
 *
 * Events are read defensively: their `data` is untyped JSON, and a field that is missing or of
 * another type is taken as unknown (null) rather than trusted. Where an event and the stored
 * task disagree, the event wins for what happened at the time (a task keeps only its last
 * error: a target whose rollback failed no longer has the error that made it fail).
 */
import type { MeasurementPhase } from '../analysis/verdict.js';
import { isTerminalDeploymentState, type DeploymentState } from '../deployment/deployment-machine.js';
import { GantryError } from '../errors.js';
import type { AnalysisMeasurement, Deployment, DeploymentEventRecord, DeploymentKind, Task } from '../model.js';
import type { Approval } from './approvals.js';

export const CLOSE_CODES = ['successful', 'successful_with_issues', 'unsuccessful'] as const;
export type CloseCode = (typeof CLOSE_CODES)[number];

export interface EvidenceInput {
  /** Ended: in a terminal state. */
  readonly deployment: Deployment;
  readonly tasks: readonly Task[];
  /** Oldest first. */
  readonly events: readonly DeploymentEventRecord[];
  readonly measurements: readonly AnalysisMeasurement[];
  /** Every recorded decision, stale ones included: the bundle shows them as given. */
  readonly approvals: readonly Approval[];
  readonly plannedWindow: { readonly start: string; readonly end: string } | null;
}

/** What a target ended as. `unfinished`: no end state was recorded (pending, running, rolling back, or no task at all). */
export type TargetOutcome = 'succeeded' | 'failed' | 'rolled_back' | 'rollback_failed' | 'skipped' | 'cancelled' | 'unfinished';

/** How the deploy steps went on a target, before any rollback. */
export type DeployResult = 'succeeded' | 'failed' | 'cancelled' | 'skipped' | 'unfinished';

export interface EvidenceError {
  readonly code: string;
  readonly message: string;
  /** The step that failed, when the event says. */
  readonly step: string | null;
}

export interface TargetEvidence {
  readonly target: string;
  readonly outcome: TargetOutcome;
  readonly deployed: DeployResult;
  /** When its first deploy step started (`task:started`). */
  readonly startedAt: string | null;
  /** When its deploy steps ended: succeeded, failed, cancelled or skipped. */
  readonly finishedAt: string | null;
  /** The release `current` pointed at before this deployment; null if none or never read. */
  readonly previousVersion: string | null;
  /** Why the deploy failed or was cancelled; null when it did not. */
  readonly error: EvidenceError | null;
  /** Why putting it back failed; null when it did not. */
  readonly rollbackError: EvidenceError | null;
}

/**
 * How a batch's deploy went, before any rollback:
 * - `succeeded`: every target succeeded;
 * - `succeeded_with_failures`: some failed, within maxFailures, and the rollout went on;
 * - `failed`: some failed and the rollout stopped at this batch (no `batch:finished`);
 * - `cancelled`: a target was cancelled during the batch;
 * - `incomplete`: started but some target has no end (the run stopped in the middle);
 * - `not_started`: the rollout ended before this batch.
 */
export type BatchVerdict = 'succeeded' | 'succeeded_with_failures' | 'failed' | 'cancelled' | 'incomplete' | 'not_started';

/** `none`: no target of the batch was rolled back; `rollback_failed`: at least one was not put back. */
export type BatchRollback = 'none' | 'rolled_back' | 'rollback_failed';

export interface BatchEvidence {
  /** 0-based, as in the plan and the events. */
  readonly index: number;
  readonly targets: readonly string[];
  /** `batch:started`. */
  readonly startedAt: string | null;
  /**
   * `batch:finished`; for a batch that stopped the rollout (the engine records no
   * `batch:finished` then) the end of its last target's deploy steps.
   */
  readonly finishedAt: string | null;
  readonly finishedFrom: 'batch:finished' | 'last_target' | null;
  readonly verdict: BatchVerdict;
  readonly rollback: BatchRollback;
  readonly results: readonly TargetEvidence[];
}

export interface MetricEvidence {
  readonly template: string;
  readonly metric: string;
  readonly measurements: number;
  readonly phases: Readonly<Record<MeasurementPhase, number>>;
  readonly lastMessage: string | null;
  readonly lastAt: string | null;
}

export interface AnalysisRunEvidence {
  readonly template: string | null;
  /** As recorded: successful, failed, inconclusive or error. */
  readonly outcome: string | null;
  readonly reason: string | null;
  readonly at: string;
}

export interface GateEvidence {
  /** Index in the plan's gates; -1 for the strategy's background analysis. */
  readonly gate: number;
  readonly kind: 'pause' | 'analysis' | 'background_analysis';
  /** Index of the batch the gate follows; null for the background analysis (or a gate not in the plan). */
  readonly afterBatch: number | null;
  readonly template: string | null;
  readonly passedAt: string | null;
  /** `analysis`: its analysis succeeded; `timer`: a timed pause ran out; `promote`/`resume`: someone asked. */
  readonly passedBy: 'analysis' | 'timer' | 'promote' | 'resume' | null;
  /** Each time its analysis ended (`analysis:finished`); an inconclusive analysis resumed runs again. */
  readonly runs: readonly AnalysisRunEvidence[];
  /** The outcome of the last run, null if it never ended (or a pause gate). */
  readonly outcome: string | null;
  readonly metrics: readonly MetricEvidence[];
}

/** `change_control`: the change's window, a freeze or its authorisation held a batch. */
export type PauseCause = 'pause_gate' | 'inconclusive_analysis' | 'request' | 'change_control';
export type PauseEnd = 'timer' | 'promote' | 'resume' | 'rollback' | 'cancel' | 'failed';

export interface PauseEvidence {
  readonly at: string;
  readonly reason: string | null;
  /** The gate it waited at, if any. */
  readonly gate: number | null;
  readonly cause: PauseCause;
  /** When a timed pause was to go on by itself. */
  readonly resumeAt: string | null;
  /** When someone held it (`gantry pause` on a paused deployment): it then waited for promote or resume. */
  readonly heldAt: string | null;
  readonly endedAt: string | null;
  /** null: no end was recorded. */
  readonly endedBy: PauseEnd | null;
}

export interface RollbackTargetEvidence {
  readonly target: string;
  readonly batch: number | null;
  /** The release it was taken off: the deployment's version. */
  readonly from: string;
  /** The release it was put back on; null: it had none, so `current` was removed. */
  readonly to: string | null;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly result: 'rolled_back' | 'rollback_failed' | 'unfinished';
  readonly error: EvidenceError | null;
}

export interface RollbackEvidence {
  /** `deployment:rolling-back`. */
  readonly startedAt: string | null;
  /** Why the rollback began. */
  readonly reason: string | null;
  /** From the deployment's end state: a rollback also fails when the load balancer was not restored. */
  readonly result: 'rolled_back' | 'rollback_failed' | 'unfinished';
  readonly targets: readonly RollbackTargetEvidence[];
}

export interface ApprovalEvidence {
  readonly by: string;
  readonly groups: readonly string[];
  readonly decision: 'approve' | 'reject';
  readonly at: string;
  readonly planVersion: number;
  readonly releaseDigest: string;
  readonly comment: string | null;
}

export interface EvidenceBundle {
  readonly deployment: {
    readonly id: string;
    readonly app: string;
    readonly version: string;
    readonly environment: string;
    readonly kind: DeploymentKind;
    readonly state: DeploymentState;
    readonly reason: string | null;
    readonly forced: boolean;
    /** From `deployment:planned`; null if it was never planned. */
    readonly strategy: string | null;
    readonly allowedFailures: number | null;
  };
  readonly plannedWindow: { readonly start: string; readonly end: string } | null;
  readonly actualWindow: { readonly start: string | null; readonly end: string | null };
  /** null: no planned window, or nothing ran (never started). */
  readonly withinPlannedWindow: boolean | null;
  /** How far outside it ran, in words ("ended 25 min after the planned window"); null when inside. */
  readonly windowOverrun: string | null;
  readonly targets: {
    readonly total: number;
    readonly succeeded: number;
    readonly failed: number;
    readonly rolledBack: number;
    readonly rollbackFailed: number;
    readonly skipped: number;
    readonly cancelled: number;
    readonly unfinished: number;
  };
  readonly batches: readonly BatchEvidence[];
  readonly gates: readonly GateEvidence[];
  readonly pauses: readonly PauseEvidence[];
  /** null: no rollback began. */
  readonly rollback: RollbackEvidence | null;
  readonly approvals: readonly ApprovalEvidence[];
  readonly proposal: { readonly closeCode: CloseCode; readonly reason: string };
  /** What the bundle was built from, so a later reader can tell it is complete. */
  readonly sources: { readonly events: number; readonly lastEventSeq: number | null; readonly measurements: number; readonly tasks: number };
}

/** The facts the close code is decided on. */
export interface CloseCodeFacts {
  readonly state: DeploymentState;
  readonly reason: string | null;
  readonly totalTargets: number;
  /** Targets whose deploy failed (on a succeeded deployment: within maxFailures). */
  readonly failedTargets: number;
  readonly allowedFailures: number | null;
  /** Analysis runs that ended inconclusive: each paused the rollout (or, at its very end, went unheeded). */
  readonly inconclusiveAnalyses: number;
  /** Analysis runs that ended failed or error; on a succeeded deployment, a background analysis that decided too late to stop it. */
  readonly failedAnalyses: number;
  readonly withinPlannedWindow: boolean | null;
  readonly windowOverrun: string | null;
}

/** How an unsuccessful deployment ended, in words; null for the states that are not an unsuccessful end. */
const UNSUCCESSFUL_ENDS: Readonly<Record<DeploymentState, string | null>> = {
  failed: 'failed',
  rolled_back: 'was rolled back',
  rollback_failed: 'failed and could not be fully rolled back',
  cancelled: 'was cancelled',
  succeeded: null,
  queued: null,
  running: null,
  paused: null,
  rolling_back: null,
};

/**
 * The close code the review should start from, with one sentence saying why:
 * - not succeeded (failed, rolled back, rollback failed, cancelled) → unsuccessful: the change
 *   did not get into place as planned, whatever was put back;
 * - succeeded, but a target failed (within maxFailures), an analysis was inconclusive or failed,
 *   or it ran outside the planned window → successful with issues, listing each issue;
 * - succeeded with none of those → successful. No planned window means there was none to keep.
 * A reviewer may still pick another code; this is a proposal from the record.
 */
export function proposeCloseCode(facts: CloseCodeFacts): { closeCode: CloseCode; reason: string } {
  if (facts.state !== 'succeeded') {
    const ended = UNSUCCESSFUL_ENDS[facts.state];
    if (ended === null) throw new GantryError('REQUEST_INVALID', `a close code is proposed once the deployment has ended; it is ${facts.state}`);
    return { closeCode: 'unsuccessful', reason: `The deployment ${ended}${facts.reason ? `: ${facts.reason}` : ''}.` };
  }
  const issues: string[] = [];
  if (facts.failedTargets > 0) {
    const tolerated = facts.allowedFailures === null ? '' : ` (maxFailures tolerates ${facts.allowedFailures})`;
    issues.push(`${facts.failedTargets} of ${facts.totalTargets} target${facts.totalTargets === 1 ? '' : 's'} failed${tolerated}`);
  }
  if (facts.inconclusiveAnalyses > 0) issues.push(`${count(facts.inconclusiveAnalyses, 'analysis', 'analyses')} ended inconclusive`);
  if (facts.failedAnalyses > 0) issues.push(`${count(facts.failedAnalyses, 'analysis', 'analyses')} failed or erred`);
  if (facts.withinPlannedWindow === false) issues.push(`it ran outside the planned window (${facts.windowOverrun ?? 'times unknown'})`);
  if (issues.length > 0) return { closeCode: 'successful_with_issues', reason: `The deployment succeeded with issues: ${issues.join('; ')}.` };
  const window = facts.withinPlannedWindow === true ? 'inside the planned window' : 'with no planned window to keep';
  return { closeCode: 'successful', reason: `The deployment succeeded on all ${count(facts.totalTargets, 'target')}, every analysis passed and it ran ${window}.` };
}

export function buildEvidence(input: EvidenceInput): EvidenceBundle {
  const { deployment } = input;
  if (!isTerminalDeploymentState(deployment.state)) {
    throw new GantryError('REQUEST_INVALID', `the evidence of deployment ${deployment.id} is built once it has ended; it is ${deployment.state}`);
  }
  const events = input.events.filter((event) => event.deploymentId === deployment.id).sort((a, b) => a.seq - b.seq);
  const measurements = input.measurements.filter((measurement) => measurement.deploymentId === deployment.id).sort((a, b) => a.seq - b.seq);
  const tasks = new Map(input.tasks.filter((task) => task.deploymentId === deployment.id).map((task) => [task.target, task]));

  const planned = events.find((event) => event.type === 'deployment:planned');
  const targetEvidence = new Map([...tasks.keys()].map((target) => [target, targetOf(target, tasks.get(target), events)]));
  const batches = batchesOf(deployment, input.tasks, events, targetEvidence);
  const gates = gatesOf(deployment, events, measurements);
  const pauses = pausesOf(deployment, events);
  const rollback = rollbackOf(deployment, tasks, events);
  const window = windowOf(deployment, input.plannedWindow);

  const all = [...targetEvidence.values()];
  const outcomes = (outcome: TargetOutcome) => all.filter((target) => target.outcome === outcome).length;
  const runs = gates.flatMap((gate) => gate.runs);
  const allowedFailures = deployment.plan?.allowedFailures ?? num(planned?.data, 'allowedFailures');
  const proposal = proposeCloseCode({
    state: deployment.state,
    reason: deployment.reason,
    totalTargets: all.length,
    failedTargets: all.filter((target) => target.deployed === 'failed').length,
    allowedFailures,
    inconclusiveAnalyses: runs.filter((run) => run.outcome === 'inconclusive').length,
    failedAnalyses: runs.filter((run) => run.outcome === 'failed' || run.outcome === 'error').length,
    withinPlannedWindow: window.within,
    windowOverrun: window.overrun,
  });

  return {
    deployment: {
      id: deployment.id,
      app: deployment.app,
      version: deployment.version,
      environment: deployment.environment,
      kind: deployment.kind,
      state: deployment.state,
      reason: deployment.reason,
      forced: deployment.forced,
      strategy: str(planned?.data, 'strategy'),
      allowedFailures,
    },
    plannedWindow: input.plannedWindow === null ? null : { start: input.plannedWindow.start, end: input.plannedWindow.end },
    actualWindow: { start: deployment.startedAt, end: deployment.finishedAt },
    withinPlannedWindow: window.within,
    windowOverrun: window.overrun,
    targets: {
      total: all.length,
      succeeded: outcomes('succeeded'),
      failed: outcomes('failed'),
      rolledBack: outcomes('rolled_back'),
      rollbackFailed: outcomes('rollback_failed'),
      skipped: outcomes('skipped'),
      cancelled: outcomes('cancelled'),
      unfinished: outcomes('unfinished'),
    },
    batches,
    gates,
    pauses,
    rollback,
    approvals: input.approvals.map((approval) => ({
      by: approval.by,
      groups: [...approval.groups],
      decision: approval.decision,
      at: approval.at,
      planVersion: approval.planVersion,
      releaseDigest: approval.releaseDigest,
      comment: approval.comment ?? null,
    })),
    proposal,
    sources: { events: events.length, lastEventSeq: events.at(-1)?.seq ?? null, measurements: measurements.length, tasks: tasks.size },
  };
}

// ---------------------------------------------------------------------------------------------
// Targets and batches

const DEPLOY_ENDS: Readonly<Record<string, DeployResult>> = {
  'task:succeeded': 'succeeded',
  'task:failed': 'failed',
  'task:cancelled': 'cancelled',
  'task:skipped': 'skipped',
};

function targetOf(target: string, task: Task | undefined, events: readonly DeploymentEventRecord[]): TargetEvidence {
  const own = events.filter((event) => event.target === target);
  const deployEnd = own.findLast((event) => Object.hasOwn(DEPLOY_ENDS, event.type));
  const failed = own.findLast((event) => event.type === 'task:failed');
  const rollbackFailed = own.findLast((event) => event.type === 'task:rollback-failed');
  const outcome = outcomeOf(task);
  const deployed = deployEnd ? DEPLOY_ENDS[deployEnd.type]! : deployedFromTask(task);
  // A cancelled task's event names only the step; the task holds the INTERRUPTED error.
  const error =
    deployed === 'failed'
      ? (errorOf(failed) ?? (outcome === 'failed' ? taskError(task) : null))
      : deployed === 'cancelled' && task?.state === 'cancelled'
        ? taskError(task)
        : null;
  return {
    target,
    outcome,
    deployed,
    startedAt: own.find((event) => event.type === 'task:started')?.at ?? null,
    finishedAt: deployEnd?.at ?? null,
    previousVersion: task?.previousVersion ?? null,
    error,
    rollbackError: outcome === 'rollback_failed' ? (errorOf(rollbackFailed) ?? taskError(task)) : null,
  };
}

function outcomeOf(task: Task | undefined): TargetOutcome {
  switch (task?.state) {
    case 'succeeded':
    case 'failed':
    case 'rolled_back':
    case 'rollback_failed':
    case 'skipped':
    case 'cancelled':
      return task.state;
    default:
      return 'unfinished';
  }
}

/** Without its events: what the task's state says of its deploy (a rolled-back task kept its deploy error, if any). */
function deployedFromTask(task: Task | undefined): DeployResult {
  switch (task?.state) {
    case 'succeeded':
    case 'failed':
    case 'cancelled':
    case 'skipped':
      return task.state;
    case 'rolled_back':
    case 'rolling_back':
      return task.error === null ? 'succeeded' : 'failed';
    default:
      return 'unfinished';
  }
}

function batchesOf(deployment: Deployment, tasks: readonly Task[], events: readonly DeploymentEventRecord[], targets: ReadonlyMap<string, TargetEvidence>): BatchEvidence[] {
  const planned = deployment.plan?.batches ?? plannedBatches(events) ?? tasksByBatch(tasks);
  return planned.map((names, index) => {
    const started = events.find((event) => event.type === 'batch:started' && num(event.data, 'batch') === index);
    const finished = events.find((event) => event.type === 'batch:finished' && num(event.data, 'batch') === index);
    const results = names.map((name) => targets.get(name) ?? missingTarget(name));
    const ends = results.map((result) => result.finishedAt).filter((at): at is string => at !== null && started !== undefined);
    const lastEnd = ends.length > 0 ? ends.reduce((a, b) => (later(b, a) ? b : a)) : null;
    return {
      index,
      targets: [...names],
      startedAt: started?.at ?? null,
      finishedAt: finished?.at ?? lastEnd,
      finishedFrom: finished ? 'batch:finished' : lastEnd !== null ? 'last_target' : null,
      verdict: batchVerdict(results, started !== undefined, finished !== undefined),
      rollback: results.some((result) => result.outcome === 'rollback_failed')
        ? 'rollback_failed'
        : results.some((result) => result.outcome === 'rolled_back')
          ? 'rolled_back'
          : 'none',
      results,
    };
  });
}

function batchVerdict(results: readonly TargetEvidence[], started: boolean, finished: boolean): BatchVerdict {
  const deployed = results.map((result) => result.deployed);
  if (!started && deployed.every((result) => result === 'skipped' || result === 'unfinished')) return 'not_started';
  if (deployed.includes('failed')) return finished ? 'succeeded_with_failures' : 'failed';
  if (deployed.includes('cancelled')) return 'cancelled';
  if (deployed.some((result) => result !== 'succeeded')) return 'incomplete';
  return 'succeeded';
}

function missingTarget(target: string): TargetEvidence {
  return { target, outcome: 'unfinished', deployed: 'unfinished', startedAt: null, finishedAt: null, previousVersion: null, error: null, rollbackError: null };
}

function plannedBatches(events: readonly DeploymentEventRecord[]): string[][] | null {
  const batches = events.find((event) => event.type === 'deployment:planned')?.data.batches;
  if (!Array.isArray(batches)) return null;
  return batches.map((batch: unknown) => (Array.isArray(batch) ? batch.filter((name): name is string => typeof name === 'string') : []));
}

function tasksByBatch(tasks: readonly Task[]): string[][] {
  const batches: string[][] = [];
  for (const task of tasks) (batches[task.batch] ??= []).push(task.target);
  return Array.from(batches, (batch) => batch ?? []);
}

// ---------------------------------------------------------------------------------------------
// Gates and analyses

const PHASES: readonly MeasurementPhase[] = ['successful', 'failed', 'inconclusive', 'error'];
const BACKGROUND_GATE = -1;

function gatesOf(deployment: Deployment, events: readonly DeploymentEventRecord[], measurements: readonly AnalysisMeasurement[]): GateEvidence[] {
  const planGates = deployment.plan?.gates ?? [];
  const indices = new Set<number>(planGates.keys());
  for (const measurement of measurements) indices.add(measurement.gate);
  for (const event of events) {
    const gate = event.type === 'analysis:finished' ? num(event.data, 'gate') : null;
    if (gate !== null) indices.add(gate);
  }
  return [...indices]
    .sort((a, b) => a - b)
    .map((gate) => {
      const planned = planGates[gate];
      const runs = events
        .filter((event) => event.type === 'analysis:finished' && num(event.data, 'gate') === gate)
        .map((event) => ({ template: str(event.data, 'template'), outcome: str(event.data, 'outcome'), reason: str(event.data, 'reason'), at: event.at }));
      const own = measurements.filter((measurement) => measurement.gate === gate);
      const passed = passOf(gate, planned?.kind ?? null, events);
      return {
        gate,
        kind: gate === BACKGROUND_GATE ? 'background_analysis' : (planned?.kind ?? 'analysis'),
        afterBatch: planned?.afterBatch ?? null,
        template: planned?.kind === 'analysis' ? planned.template : (runs[0]?.template ?? own[0]?.template ?? null),
        passedAt: passed?.at ?? null,
        passedBy: passed?.by ?? null,
        runs,
        outcome: runs.at(-1)?.outcome ?? null,
        metrics: metricsOf(own),
      };
    });
}

/** A gate is passed by its analysis (`gate:passed`) or when the pause at it ends (`deployment:unpaused` names it). */
function passOf(gate: number, kind: 'pause' | 'analysis' | null, events: readonly DeploymentEventRecord[]): { at: string; by: NonNullable<GateEvidence['passedBy']> } | null {
  if (gate === BACKGROUND_GATE) return null;
  for (const event of events) {
    if (event.type === 'gate:passed' && num(event.data, 'gate') === gate) return { at: event.at, by: str(event.data, 'kind') === 'pause' || kind === 'pause' ? 'timer' : 'analysis' };
    if (event.type === 'deployment:unpaused' && num(event.data, 'gatePassed') === gate) return { at: event.at, by: unpausedBy(event) };
  }
  return null;
}

function metricsOf(measurements: readonly AnalysisMeasurement[]): MetricEvidence[] {
  const metrics = new Map<string, { template: string; metric: string; phases: Record<MeasurementPhase, number>; last: AnalysisMeasurement | null; count: number }>();
  for (const measurement of measurements) {
    const key = JSON.stringify([measurement.template, measurement.metric]);
    let entry = metrics.get(key);
    if (!entry) {
      entry = { template: measurement.template, metric: measurement.metric, phases: { successful: 0, failed: 0, inconclusive: 0, error: 0 }, last: null, count: 0 };
      metrics.set(key, entry);
    }
    if (PHASES.includes(measurement.phase)) entry.phases[measurement.phase] += 1;
    entry.count += 1;
    entry.last = measurement;
  }
  return [...metrics.values()].map((entry) => ({
    template: entry.template,
    metric: entry.metric,
    measurements: entry.count,
    phases: entry.phases,
    lastMessage: entry.last?.message ?? null,
    lastAt: entry.last?.at ?? null,
  }));
}

// ---------------------------------------------------------------------------------------------
// Pauses

/** Events that take a paused deployment out of its pause, and how. */
const PAUSE_ENDS: Readonly<Record<string, PauseEnd>> = {
  'deployment:rolling-back': 'rollback',
  'deployment:cancelled': 'cancel',
  'deployment:failed': 'failed',
  'deployment:quarantined': 'failed',
};

function pausesOf(deployment: Deployment, events: readonly DeploymentEventRecord[]): PauseEvidence[] {
  const pauses: { -readonly [K in keyof PauseEvidence]: PauseEvidence[K] }[] = [];
  const open = () => {
    const last = pauses.at(-1);
    return last && last.endedBy === null ? last : null;
  };
  // A background analysis that ends inconclusive pauses the rollout before its next batch, at no gate.
  let backgroundInconclusive = false;
  const lastGateOutcome = new Map<number, string | null>();
  for (const event of events) {
    if (event.type === 'analysis:finished') {
      const gate = num(event.data, 'gate');
      if (gate === BACKGROUND_GATE) backgroundInconclusive = str(event.data, 'outcome') === 'inconclusive';
      else if (gate !== null) lastGateOutcome.set(gate, str(event.data, 'outcome'));
    } else if (event.type === 'deployment:paused') {
      const gate = num(event.data, 'gate');
      let cause: PauseCause;
      if (str(event.data, 'code') !== null) cause = 'change_control';
      else if (gate !== null) {
        const kind = deployment.plan?.gates?.[gate]?.kind;
        cause = kind === 'pause' || (kind === undefined && lastGateOutcome.get(gate) !== 'inconclusive') ? 'pause_gate' : 'inconclusive_analysis';
      } else {
        cause = backgroundInconclusive ? 'inconclusive_analysis' : 'request';
        backgroundInconclusive = false;
      }
      pauses.push({ at: event.at, reason: str(event.data, 'reason'), gate, cause, resumeAt: str(event.data, 'resumeAt'), heldAt: null, endedAt: null, endedBy: null });
    } else if (event.type === 'deployment:held') {
      const pause = open();
      if (pause) pause.heldAt = event.at;
    } else if (event.type === 'deployment:unpaused' || Object.hasOwn(PAUSE_ENDS, event.type)) {
      const pause = open();
      if (pause) {
        pause.endedAt = event.at;
        pause.endedBy = event.type === 'deployment:unpaused' ? unpausedBy(event) : PAUSE_ENDS[event.type]!;
      }
    }
  }
  return pauses;
}

function unpausedBy(event: DeploymentEventRecord): 'timer' | 'promote' | 'resume' {
  const request = str(event.data, 'request');
  return request === 'promote' || request === 'resume' ? request : 'timer';
}

// ---------------------------------------------------------------------------------------------
// Rollback

function rollbackOf(deployment: Deployment, tasks: ReadonlyMap<string, Task>, events: readonly DeploymentEventRecord[]): RollbackEvidence | null {
  const began = events.find((event) => event.type === 'deployment:rolling-back');
  const touched = [...tasks.values()].filter(
    (task) => task.state === 'rolled_back' || task.state === 'rollback_failed' || task.state === 'rolling_back' || events.some((event) => event.target === task.target && event.type === 'task:rollback-started'),
  );
  if (!began && touched.length === 0 && deployment.state !== 'rolled_back' && deployment.state !== 'rollback_failed') return null;
  return {
    startedAt: began?.at ?? null,
    reason: str(began?.data, 'reason'),
    result: deployment.state === 'rolled_back' || deployment.state === 'rollback_failed' ? deployment.state : 'unfinished',
    targets: touched.map((task) => {
      const own = events.filter((event) => event.target === task.target);
      const started = own.find((event) => event.type === 'task:rollback-started');
      const ended = own.findLast((event) => event.type === 'task:rolled-back' || event.type === 'task:rollback-failed');
      const to = started && 'to' in started.data && (typeof started.data.to === 'string' || started.data.to === null) ? started.data.to : task.previousVersion;
      const result = task.state === 'rolled_back' || task.state === 'rollback_failed' ? task.state : 'unfinished';
      return {
        target: task.target,
        batch: task.batch,
        from: deployment.version,
        to,
        startedAt: started?.at ?? null,
        finishedAt: ended?.at ?? null,
        result,
        error: result === 'rollback_failed' ? (errorOf(ended?.type === 'task:rollback-failed' ? ended : undefined) ?? taskError(task)) : null,
      };
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// Window

function windowOf(deployment: Deployment, planned: EvidenceInput['plannedWindow']): { within: boolean | null; overrun: string | null } {
  if (planned === null || deployment.startedAt === null) return { within: null, overrun: null };
  const start = Date.parse(planned.start);
  const end = Date.parse(planned.end);
  const from = Date.parse(deployment.startedAt);
  const to = deployment.finishedAt === null ? null : Date.parse(deployment.finishedAt);
  if ([start, end, from, to ?? 0].some(Number.isNaN)) return { within: null, overrun: null };
  const problems: string[] = [];
  if (from < start) problems.push(`started ${inWords(start - from)} before the planned window`);
  if (from > end) problems.push(`started ${inWords(from - end)} after the planned window had ended`);
  else if (to !== null && to > end) problems.push(`ended ${inWords(to - end)} after the planned window`);
  return problems.length === 0 ? { within: true, overrun: null } : { within: false, overrun: problems.join(' and ') };
}

/** "1 h 5 min", "12 min", "40 s": the two largest units, for people. */
export function inWords(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1000, 's'],
  ];
  let rest = Math.max(0, Math.round(ms / 1000) * 1000);
  const parts: string[] = [];
  for (const [size, unit] of units) {
    if (parts.length === 2) break;
    const amount = Math.floor(rest / size);
    rest -= amount * size;
    if (amount > 0) parts.push(`${amount} ${unit}`);
    else if (parts.length > 0) break;
  }
  return parts.length > 0 ? parts.join(' ') : 'less than 1 s';
}

// ---------------------------------------------------------------------------------------------
// Reading untyped event data

function str(data: Readonly<Record<string, unknown>> | undefined, key: string): string | null {
  const value = data?.[key];
  return typeof value === 'string' ? value : null;
}

function num(data: Readonly<Record<string, unknown>> | undefined, key: string): number | null {
  const value = data?.[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function errorOf(event: DeploymentEventRecord | undefined): EvidenceError | null {
  const code = str(event?.data, 'code');
  if (!event || code === null) return null;
  return { code, message: str(event.data, 'message') ?? '', step: str(event.data, 'step') };
}

function taskError(task: Task | undefined): EvidenceError | null {
  return task?.error ? { code: task.error.code, message: task.error.message, step: task.step } : null;
}

function later(a: string, b: string): boolean {
  return Date.parse(a) > Date.parse(b);
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
