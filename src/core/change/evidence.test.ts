import { describe, expect, it } from 'vitest';
import type { DeploymentState } from '../deployment/deployment-machine.js';
import type { TaskState } from '../deployment/task-machine.js';
import type { AnalysisMeasurement, Deployment, DeploymentEventRecord, StepError, Task } from '../model.js';
import type { RolloutPlan } from '../rollout/plan-batches.js';
import type { Approval } from './approvals.js';
import { buildEvidence, inWords, proposeCloseCode, type CloseCodeFacts, type EvidenceInput } from './evidence.js';

const ID = 'dep-1';
const BASE = Date.parse('2026-12-05T22:00:00.000Z');
/** Minutes after 22:00 on the day of the change, as a recorded ISO time. */
const t = (minutes: number) => new Date(BASE + minutes * 60_000).toISOString();
const WINDOW = { start: t(0), end: t(120) };

function deployment(plan: RolloutPlan | null, state: DeploymentState, extra: Partial<Deployment> = {}): Deployment {
  return {
    id: ID,
    app: 'shop',
    environment: 'production',
    version: 'v2',
    kind: 'deploy',
    state,
    reason: null,
    plan,
    currentBatch: plan?.batches.length ?? 0,
    forced: false,
    controlRequest: null,
    resumeAt: null,
    nextGate: plan?.gates?.length ?? 0,
    changeId: 'C-1',
    createdAt: t(-5),
    startedAt: t(1),
    finishedAt: t(30),
    ...extra,
  };
}

function task(target: string, batch: number, state: TaskState, extra: Partial<Task> = {}): Task {
  return { id: `task-${target}`, deploymentId: ID, target, batch, state, step: 'prune', stepDone: true, attempt: 1, previousVersion: 'v1', error: null, updatedAt: t(30), ...extra };
}

/** Builds the event log in order; each call is one event at the given minute. */
function log() {
  const events: DeploymentEventRecord[] = [];
  const add = (minute: number, type: string, data: Record<string, unknown> = {}, target: string | null = null) => {
    events.push({ seq: events.length + 1, deploymentId: ID, target, type, data, at: t(minute) });
    return api;
  };
  const api = {
    events,
    add,
    planned: (minute: number, plan: RolloutPlan, strategy = 'rolling') => add(minute, 'deployment:planned', { batches: plan.batches, allowedFailures: plan.allowedFailures, strategy }),
    batch: (minute: number, batch: number, targets: string[]) => add(minute, 'batch:started', { batch, targets }),
    batchDone: (minute: number, batch: number) => add(minute, 'batch:finished', { batch }),
    ok: (target: string, from: number, to: number) => add(from, 'task:started', {}, target).add(to, 'task:succeeded', {}, target),
    fail: (target: string, from: number, to: number, step: string, error: StepError) => add(from, 'task:started', {}, target).add(to, 'task:failed', { step, ...error }, target),
    rolledBack: (target: string, from: number, to: number, version: string | null) =>
      add(from, 'task:rollback-started', { to: version }, target).add(to, 'task:rolled-back', { to: version }, target),
  };
  return api;
}

function measurement(seq: number, gate: number, metric: string, phase: AnalysisMeasurement['phase'], minute: number, template = 'error-rate'): AnalysisMeasurement {
  return { seq, deploymentId: ID, gate, template, metric, phase, value: phase === 'error' ? null : 0.01, message: `${metric} ${phase} #${seq}`, at: t(minute) };
}

function input(partial: Partial<EvidenceInput> & Pick<EvidenceInput, 'deployment'>): EvidenceInput {
  return { tasks: [], events: [], measurements: [], approvals: [], plannedWindow: WINDOW, ...partial };
}

const HEALTH: StepError = { code: 'HEALTH_CHECK_FAILED', message: 'GET /healthz returned 503' };
const UPLOAD: StepError = { code: 'TARGET_UNREACHABLE', message: 'connection refused' };

describe('buildEvidence', () => {
  it('proposes successful for a clean rolling deployment inside its window', () => {
    const plan: RolloutPlan = { batches: [['web-1', 'web-2'], ['web-3']], allowedFailures: 0 };
    const events = log()
      .add(1, 'deployment:started', { owner: 'w1' })
      .planned(1, plan)
      .batch(2, 0, ['web-1', 'web-2'])
      .ok('web-1', 2, 5)
      .ok('web-2', 2, 6)
      .batchDone(6, 0)
      .batch(7, 1, ['web-3'])
      .ok('web-3', 7, 9)
      .batchDone(9, 1)
      .add(10, 'deployment:succeeded', { reason: '3 of 3 targets on v2' }).events;
    const tasks = [task('web-1', 0, 'succeeded'), task('web-2', 0, 'succeeded'), task('web-3', 1, 'succeeded')];
    const bundle = buildEvidence(input({ deployment: deployment(plan, 'succeeded', { reason: '3 of 3 targets on v2', finishedAt: t(10) }), tasks, events }));

    expect(bundle.deployment).toEqual({ id: ID, app: 'shop', version: 'v2', environment: 'production', kind: 'deploy', state: 'succeeded', reason: '3 of 3 targets on v2', forced: false, strategy: 'rolling', allowedFailures: 0 });
    expect(bundle.actualWindow).toEqual({ start: t(1), end: t(10) });
    expect(bundle.withinPlannedWindow).toBe(true);
    expect(bundle.windowOverrun).toBeNull();
    expect(bundle.batches.map((batch) => [batch.index, batch.startedAt, batch.finishedAt, batch.finishedFrom, batch.verdict, batch.rollback])).toEqual([
      [0, t(2), t(6), 'batch:finished', 'succeeded', 'none'],
      [1, t(7), t(9), 'batch:finished', 'succeeded', 'none'],
    ]);
    expect(bundle.batches[0]!.results[0]).toEqual({ target: 'web-1', outcome: 'succeeded', deployed: 'succeeded', startedAt: t(2), finishedAt: t(5), previousVersion: 'v1', error: null, rollbackError: null });
    expect(bundle.targets).toEqual({ total: 3, succeeded: 3, failed: 0, rolledBack: 0, rollbackFailed: 0, skipped: 0, cancelled: 0, unfinished: 0 });
    expect(bundle.rollback).toBeNull();
    expect(bundle.pauses).toEqual([]);
    expect(bundle.gates).toEqual([]);
    expect(bundle.proposal.closeCode).toBe('successful');
    expect(bundle.proposal.reason).toBe('The deployment succeeded on all 3 targets, every analysis passed and it ran inside the planned window.');
    expect(bundle.sources).toEqual({ events: events.length, lastEventSeq: events.length, measurements: 0, tasks: 3 });
    // Plain data: it survives JSON unchanged.
    expect(JSON.parse(JSON.stringify(bundle))).toEqual(bundle);
  });

  it('records a batch that failed, the rollback of every switched target, and proposes unsuccessful', () => {
    const plan: RolloutPlan = { batches: [['web-1', 'web-2'], ['web-3', 'web-4']], allowedFailures: 0 };
    const reason = 'failed on web-3: HEALTH_CHECK_FAILED GET /healthz returned 503; web-4: TARGET_UNREACHABLE connection refused; 2 failed targets exceed maxFailures 0 (0 of 4)';
    const events = log()
      .planned(1, plan)
      .batch(2, 0, ['web-1', 'web-2'])
      .ok('web-1', 2, 5)
      .ok('web-2', 2, 5)
      .batchDone(5, 0)
      .batch(6, 1, ['web-3', 'web-4'])
      .fail('web-4', 6, 7, 'upload', UPLOAD)
      .fail('web-3', 6, 9, 'health', HEALTH)
      .add(10, 'deployment:rolling-back', { reason })
      .rolledBack('web-1', 10, 12, 'v1')
      .rolledBack('web-2', 10, 12, 'v1')
      .rolledBack('web-3', 10, 13, 'v1')
      .add(14, 'deployment:rolled-back', { reason: `${reason}; 3 switched targets put back` }).events;
    const tasks = [
      task('web-1', 0, 'rolled_back', { step: 'health' }),
      task('web-2', 0, 'rolled_back', { step: 'health' }),
      task('web-3', 1, 'rolled_back', { step: 'health', error: HEALTH }),
      task('web-4', 1, 'failed', { step: 'upload', error: UPLOAD, previousVersion: null }),
    ];
    const bundle = buildEvidence(input({ deployment: deployment(plan, 'rolled_back', { reason: `${reason}; 3 switched targets put back`, currentBatch: 1, finishedAt: t(14) }), tasks, events }));

    const [first, second] = bundle.batches;
    expect(first).toMatchObject({ index: 0, startedAt: t(2), finishedAt: t(5), finishedFrom: 'batch:finished', verdict: 'succeeded', rollback: 'rolled_back' });
    expect(first!.results.map((result) => [result.target, result.deployed, result.outcome])).toEqual([
      ['web-1', 'succeeded', 'rolled_back'],
      ['web-2', 'succeeded', 'rolled_back'],
    ]);
    // No batch:finished for the batch that stopped the rollout: its end is its last target's.
    expect(second).toMatchObject({ index: 1, startedAt: t(6), finishedAt: t(9), finishedFrom: 'last_target', verdict: 'failed', rollback: 'rolled_back' });
    expect(second!.results).toEqual([
      { target: 'web-3', outcome: 'rolled_back', deployed: 'failed', startedAt: t(6), finishedAt: t(9), previousVersion: 'v1', error: { ...HEALTH, step: 'health' }, rollbackError: null },
      { target: 'web-4', outcome: 'failed', deployed: 'failed', startedAt: t(6), finishedAt: t(7), previousVersion: null, error: { ...UPLOAD, step: 'upload' }, rollbackError: null },
    ]);

    expect(bundle.rollback).toEqual({
      startedAt: t(10),
      reason,
      result: 'rolled_back',
      targets: [
        { target: 'web-1', batch: 0, from: 'v2', to: 'v1', startedAt: t(10), finishedAt: t(12), result: 'rolled_back', error: null },
        { target: 'web-2', batch: 0, from: 'v2', to: 'v1', startedAt: t(10), finishedAt: t(12), result: 'rolled_back', error: null },
        { target: 'web-3', batch: 1, from: 'v2', to: 'v1', startedAt: t(10), finishedAt: t(13), result: 'rolled_back', error: null },
      ],
    });
    expect(bundle.targets).toMatchObject({ total: 4, failed: 1, rolledBack: 3 });
    expect(bundle.proposal.closeCode).toBe('unsuccessful');
    expect(bundle.proposal.reason).toBe(`The deployment was rolled back: ${reason}; 3 switched targets put back.`);
  });

  it('keeps the deploy error and the rollback error apart when a rollback fails', () => {
    const plan: RolloutPlan = { batches: [['web-1']], allowedFailures: 0 };
    const revert: StepError = { code: 'STEP_FAILED', message: 'ln: permission denied' };
    const events = log()
      .planned(1, plan)
      .batch(2, 0, ['web-1'])
      .fail('web-1', 2, 4, 'health', HEALTH)
      .add(5, 'deployment:rolling-back', { reason: 'failed on web-1' })
      .add(5, 'task:rollback-started', { to: null }, 'web-1')
      .add(6, 'task:rollback-failed', { step: 'revert', ...revert }, 'web-1')
      .add(7, 'deployment:rollback-failed', { reason: 'failed on web-1; rollback failed on web-1 (STEP_FAILED)' }).events;
    // The task keeps only its last error: the rollback's.
    const tasks = [task('web-1', 0, 'rollback_failed', { step: 'revert', error: revert, previousVersion: null })];
    const bundle = buildEvidence(input({ deployment: deployment(plan, 'rollback_failed', { reason: 'failed on web-1; rollback failed on web-1 (STEP_FAILED)' }), tasks, events }));

    expect(bundle.batches[0]!.results[0]).toMatchObject({ outcome: 'rollback_failed', deployed: 'failed', error: { ...HEALTH, step: 'health' }, rollbackError: { ...revert, step: 'revert' } });
    expect(bundle.batches[0]!.rollback).toBe('rollback_failed');
    expect(bundle.rollback?.result).toBe('rollback_failed');
    expect(bundle.rollback?.targets).toEqual([{ target: 'web-1', batch: 0, from: 'v2', to: null, startedAt: t(5), finishedAt: t(6), result: 'rollback_failed', error: { ...revert, step: 'revert' } }]);
    expect(bundle.proposal.closeCode).toBe('unsuccessful');
  });

  it('proposes successful_with_issues when a target failed within maxFailures', () => {
    const plan: RolloutPlan = { batches: [['web-1', 'web-2'], ['web-3', 'web-4']], allowedFailures: 1 };
    const events = log()
      .planned(1, plan)
      .batch(2, 0, ['web-1', 'web-2'])
      .ok('web-1', 2, 4)
      .ok('web-2', 2, 4)
      .batchDone(4, 0)
      .batch(5, 1, ['web-3', 'web-4'])
      .ok('web-3', 5, 7)
      .fail('web-4', 5, 8, 'health', HEALTH)
      .batchDone(8, 1)
      .add(9, 'deployment:succeeded', { reason: '3 of 4 targets on v2' }).events;
    const tasks = [task('web-1', 0, 'succeeded'), task('web-2', 0, 'succeeded'), task('web-3', 1, 'succeeded'), task('web-4', 1, 'failed', { step: 'health', error: HEALTH })];
    const bundle = buildEvidence(input({ deployment: deployment(plan, 'succeeded', { finishedAt: t(9) }), tasks, events }));

    expect(bundle.batches.map((batch) => batch.verdict)).toEqual(['succeeded', 'succeeded_with_failures']);
    expect(bundle.batches[1]!.results[1]).toMatchObject({ target: 'web-4', outcome: 'failed', error: { ...HEALTH, step: 'health' } });
    expect(bundle.rollback).toBeNull();
    expect(bundle.proposal).toEqual({ closeCode: 'successful_with_issues', reason: 'The deployment succeeded with issues: 1 of 4 targets failed (maxFailures tolerates 1).' });
  });

  it('says how far a deployment ran past its planned window', () => {
    const plan: RolloutPlan = { batches: [['web-1']], allowedFailures: 0 };
    const events = log().planned(100, plan).batch(100, 0, ['web-1']).ok('web-1', 100, 145).batchDone(145, 0).add(145, 'deployment:succeeded').events;
    const late = deployment(plan, 'succeeded', { startedAt: t(100), finishedAt: t(145) });
    const bundle = buildEvidence(input({ deployment: late, tasks: [task('web-1', 0, 'succeeded')], events }));

    expect(bundle.plannedWindow).toEqual(WINDOW);
    expect(bundle.actualWindow).toEqual({ start: t(100), end: t(145) });
    expect(bundle.withinPlannedWindow).toBe(false);
    expect(bundle.windowOverrun).toBe('ended 25 min after the planned window');
    expect(bundle.proposal).toEqual({ closeCode: 'successful_with_issues', reason: 'The deployment succeeded with issues: it ran outside the planned window (ended 25 min after the planned window).' });

    const early = buildEvidence(input({ deployment: { ...late, startedAt: t(-90), finishedAt: t(125.5) }, tasks: [task('web-1', 0, 'succeeded')], events }));
    expect(early.windowOverrun).toBe('started 1 h 30 min before the planned window and ended 5 min 30 s after the planned window');
    const none = buildEvidence(input({ deployment: late, tasks: [task('web-1', 0, 'succeeded')], events, plannedWindow: null }));
    expect([none.withinPlannedWindow, none.proposal.closeCode]).toEqual([null, 'successful']);
  });

  it('passes every approval decision through as given', () => {
    const approvals: Approval[] = [
      { by: 'bob', groups: ['cab'], at: t(-600), releaseDigest: 'sha256:old', planVersion: 1, decision: 'approve' },
      { by: 'carol', groups: ['cab', 'service-owners'], at: t(-300), releaseDigest: 'sha256:abc', planVersion: 2, decision: 'reject', comment: 'no rollback test' },
      { by: 'carol', groups: ['cab', 'service-owners'], at: t(-120), releaseDigest: 'sha256:abc', planVersion: 3, decision: 'approve', comment: 'rollback tested' },
    ];
    const bundle = buildEvidence(input({ deployment: deployment(null, 'cancelled', { startedAt: null, finishedAt: t(0), reason: 'cancelled on request; no target had been switched' }), approvals }));

    expect(bundle.approvals).toEqual([
      { by: 'bob', groups: ['cab'], decision: 'approve', at: t(-600), planVersion: 1, releaseDigest: 'sha256:old', comment: null },
      { by: 'carol', groups: ['cab', 'service-owners'], decision: 'reject', at: t(-300), planVersion: 2, releaseDigest: 'sha256:abc', comment: 'no rollback test' },
      { by: 'carol', groups: ['cab', 'service-owners'], decision: 'approve', at: t(-120), planVersion: 3, releaseDigest: 'sha256:abc', comment: 'rollback tested' },
    ]);
    // A deployment cancelled while queued ran nothing: no window to compare, no batches.
    expect([bundle.withinPlannedWindow, bundle.batches, bundle.proposal.closeCode]).toEqual([null, [], 'unsuccessful']);
    expect(bundle.proposal.reason).toBe('The deployment was cancelled: cancelled on request; no target had been switched.');
  });

  it('summarises gates, measurements and pauses of a canary, and flags an inconclusive analysis', () => {
    const plan: RolloutPlan = {
      batches: [['web-1'], ['web-2', 'web-3']],
      allowedFailures: 0,
      gates: [
        { kind: 'analysis', afterBatch: 0, template: 'error-rate', args: {} },
        { kind: 'pause', afterBatch: 0, durationMs: 600_000 },
      ],
    };
    const events = log()
      .planned(1, plan, 'canary')
      .batch(1, 0, ['web-1'])
      .ok('web-1', 1, 3)
      .batchDone(3, 0)
      .add(8, 'analysis:finished', { gate: 0, template: 'error-rate', outcome: 'inconclusive', reason: 'analysis error-rate (gate 1): metric errors: inconclusive' })
      .add(8, 'deployment:paused', { reason: 'paused at gate 1 of 2: analysis error-rate (gate 1): …', resumeAt: null, gate: 0 })
      .add(20, 'deployment:unpaused', { request: 'promote', gatePassed: 0 })
      .add(20, 'deployment:paused', { reason: 'paused at gate 2 of 2, after batch 1: goes on at …', resumeAt: t(30), gate: 1 })
      .add(30, 'deployment:unpaused', { request: null, gatePassed: 1 })
      .batch(30, 1, ['web-2', 'web-3'])
      .ok('web-2', 30, 33)
      .ok('web-3', 30, 33)
      .batchDone(33, 1)
      .add(34, 'deployment:succeeded')
      .add(34, 'analysis:finished', { gate: -1, template: 'latency', outcome: 'successful', reason: 'background analysis latency: stopped' }).events;
    const measurements = [
      measurement(1, 0, 'errors', 'successful', 4),
      measurement(2, 0, 'errors', 'inconclusive', 6),
      measurement(3, 0, 'errors', 'inconclusive', 8),
      measurement(4, -1, 'p99', 'successful', 10, 'latency'),
      measurement(5, -1, 'p99', 'error', 20, 'latency'),
      measurement(6, -1, 'p99', 'successful', 30, 'latency'),
    ];
    const tasks = [task('web-1', 0, 'succeeded'), task('web-2', 1, 'succeeded'), task('web-3', 1, 'succeeded')];
    const bundle = buildEvidence(input({ deployment: deployment(plan, 'succeeded', { finishedAt: t(34) }), tasks, events, measurements }));

    expect(bundle.gates).toEqual([
      {
        gate: -1,
        kind: 'background_analysis',
        afterBatch: null,
        template: 'latency',
        passedAt: null,
        passedBy: null,
        runs: [{ template: 'latency', outcome: 'successful', reason: 'background analysis latency: stopped', at: t(34) }],
        outcome: 'successful',
        metrics: [{ template: 'latency', metric: 'p99', measurements: 3, phases: { successful: 2, failed: 0, inconclusive: 0, error: 1 }, lastMessage: 'p99 successful #6', lastAt: t(30) }],
      },
      {
        gate: 0,
        kind: 'analysis',
        afterBatch: 0,
        template: 'error-rate',
        passedAt: t(20),
        passedBy: 'promote',
        runs: [{ template: 'error-rate', outcome: 'inconclusive', reason: 'analysis error-rate (gate 1): metric errors: inconclusive', at: t(8) }],
        outcome: 'inconclusive',
        metrics: [{ template: 'error-rate', metric: 'errors', measurements: 3, phases: { successful: 1, failed: 0, inconclusive: 2, error: 0 }, lastMessage: 'errors inconclusive #3', lastAt: t(8) }],
      },
      { gate: 1, kind: 'pause', afterBatch: 0, template: null, passedAt: t(30), passedBy: 'timer', runs: [], outcome: null, metrics: [] },
    ]);
    expect(bundle.pauses.map((pause) => [pause.at, pause.gate, pause.cause, pause.resumeAt, pause.endedAt, pause.endedBy])).toEqual([
      [t(8), 0, 'inconclusive_analysis', null, t(20), 'promote'],
      [t(20), 1, 'pause_gate', t(30), t(30), 'timer'],
    ]);
    expect(bundle.deployment.strategy).toBe('canary');
    expect(bundle.proposal).toEqual({ closeCode: 'successful_with_issues', reason: 'The deployment succeeded with issues: 1 analysis ended inconclusive.' });
  });

  it('tells a pause on request from one after an inconclusive background analysis, and a pause ended by an abort', () => {
    const plan: RolloutPlan = { batches: [['web-1'], ['web-2'], ['web-3']], allowedFailures: 0 };
    const events = log()
      .planned(1, plan, 'canary')
      .batch(1, 0, ['web-1'])
      .ok('web-1', 1, 2)
      .batchDone(2, 0)
      .add(3, 'deployment:paused', { reason: 'paused on request before batch 2: waiting for gantry promote (or resume)', resumeAt: null, gate: null })
      .add(5, 'deployment:unpaused', { request: 'resume', gatePassed: null })
      .batch(5, 1, ['web-2'])
      .ok('web-2', 5, 6)
      .batchDone(6, 1)
      .add(7, 'analysis:finished', { gate: -1, template: 'latency', outcome: 'inconclusive', reason: 'background analysis latency: p99 inconclusive' })
      .add(7, 'deployment:paused', { reason: 'paused before batch 3: background analysis latency: p99 inconclusive', resumeAt: null, gate: null })
      .add(8, 'deployment:held')
      .add(9, 'deployment:rolling-back', { reason: 'aborted on request while paused' })
      .rolledBack('web-1', 9, 10, 'v1')
      .rolledBack('web-2', 9, 10, 'v1')
      .add(10, 'task:skipped', {}, 'web-3')
      .add(11, 'deployment:rolled-back', { reason: 'aborted on request while paused; 2 switched targets put back' }).events;
    const tasks = [task('web-1', 0, 'rolled_back'), task('web-2', 1, 'rolled_back'), task('web-3', 2, 'skipped', { step: null, stepDone: false, attempt: 0 })];
    const bundle = buildEvidence(input({ deployment: deployment(plan, 'rolled_back', { finishedAt: t(11), reason: 'aborted on request while paused; 2 switched targets put back' }), tasks, events }));

    expect(bundle.pauses).toEqual([
      { at: t(3), reason: 'paused on request before batch 2: waiting for gantry promote (or resume)', gate: null, cause: 'request', resumeAt: null, heldAt: null, endedAt: t(5), endedBy: 'resume' },
      { at: t(7), reason: 'paused before batch 3: background analysis latency: p99 inconclusive', gate: null, cause: 'inconclusive_analysis', resumeAt: null, heldAt: t(8), endedAt: t(9), endedBy: 'rollback' },
    ]);
    expect(bundle.batches.map((batch) => [batch.verdict, batch.rollback])).toEqual([
      ['succeeded', 'rolled_back'],
      ['succeeded', 'rolled_back'],
      ['not_started', 'none'],
    ]);
    expect(bundle.targets).toMatchObject({ rolledBack: 2, skipped: 1 });
    expect(bundle.proposal.closeCode).toBe('unsuccessful');
  });

  it('ignores records of other deployments and refuses a deployment that has not ended', () => {
    const plan: RolloutPlan = { batches: [['web-1']], allowedFailures: 0 };
    const events = log().planned(1, plan).batch(1, 0, ['web-1']).ok('web-1', 1, 2).batchDone(2, 0).events;
    const stranger = { ...events[0]!, seq: 99, deploymentId: 'dep-2', type: 'deployment:rolling-back', data: { reason: 'not ours' } };
    const bundle = buildEvidence(input({ deployment: deployment(plan, 'succeeded'), tasks: [task('web-1', 0, 'succeeded')], events: [...events, stranger], measurements: [{ ...measurement(1, 0, 'x', 'failed', 1), deploymentId: 'dep-2' }] }));
    expect([bundle.rollback, bundle.gates, bundle.sources.events, bundle.proposal.closeCode]).toEqual([null, [], events.length, 'successful']);

    expect(() => buildEvidence(input({ deployment: deployment(plan, 'running', { finishedAt: null }) }))).toThrow(/once it has ended; it is running/);
  });
});

describe('proposeCloseCode', () => {
  const clean: CloseCodeFacts = { state: 'succeeded', reason: null, totalTargets: 4, failedTargets: 0, allowedFailures: 1, inconclusiveAnalyses: 0, failedAnalyses: 0, withinPlannedWindow: true, windowOverrun: null };

  it('is unsuccessful for every end but success', () => {
    for (const state of ['failed', 'rolled_back', 'rollback_failed', 'cancelled'] as const) {
      expect(proposeCloseCode({ ...clean, state }).closeCode).toBe('unsuccessful');
    }
    expect(proposeCloseCode({ ...clean, state: 'failed', reason: 'halted: failed on web-1' }).reason).toBe('The deployment failed: halted: failed on web-1.');
  });

  it('lists every issue of a success in one sentence', () => {
    expect(proposeCloseCode(clean).closeCode).toBe('successful');
    const result = proposeCloseCode({ ...clean, failedTargets: 1, inconclusiveAnalyses: 2, failedAnalyses: 1, withinPlannedWindow: false, windowOverrun: 'ended 5 min after the planned window' });
    expect(result).toEqual({
      closeCode: 'successful_with_issues',
      reason: 'The deployment succeeded with issues: 1 of 4 targets failed (maxFailures tolerates 1); 2 analyses ended inconclusive; 1 analysis failed or erred; it ran outside the planned window (ended 5 min after the planned window).',
    });
  });

  it('refuses a deployment still under way', () => {
    for (const state of ['queued', 'running', 'paused', 'rolling_back'] as const) expect(() => proposeCloseCode({ ...clean, state })).toThrow(/once the deployment has ended/);
  });
});

describe('inWords', () => {
  it('keeps the two largest units', () => {
    expect([inWords(400), inWords(40_000), inWords(25 * 60_000), inWords(65 * 60_000), inWords(26 * 3_600_000 + 60_000), inWords(3_600_000 + 5_000)]).toEqual([
      'less than 1 s',
      '40 s',
      '25 min',
      '1 h 5 min',
      '1 d 2 h',
      '1 h',
    ]);
  });
});
