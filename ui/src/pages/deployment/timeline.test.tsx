// @vitest-environment jsdom
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeploymentDto } from '../../../../src/client/api-client.js';
import type { TaskDto } from './deployment-state.js';
import { Timeline } from './timeline.js';

afterEach(cleanup);

/** A canary: batch 1 (web-1), an analysis, batch 2 (web-2, web-3), a pause until promoted, batch 3 (web-4). */
function canary(overrides: Partial<DeploymentDto>): DeploymentDto {
  return {
    id: 'd1',
    app: 'shop',
    environment: 'production',
    version: '1.2.0',
    kind: 'deploy',
    state: 'running',
    reason: null,
    batches: [['web-1'], ['web-2', 'web-3'], ['web-4']],
    allowedFailures: 0,
    currentBatch: 0,
    gates: [
      { kind: 'analysis', afterBatch: 0, durationMs: null, template: 'error-rate', args: { service: 'shop' } },
      { kind: 'pause', afterBatch: 1, durationMs: null, template: null, args: null },
    ],
    nextGate: 0,
    resumeAt: null,
    controlRequest: null,
    forced: false,
    changeId: null,
    patch: null,
    createdAt: '2026-11-27T10:00:00Z',
    startedAt: '2026-11-27T10:00:01Z',
    finishedAt: null,
    ...overrides,
  };
}

function task(target: string, batch: number, state: TaskDto['state']): TaskDto {
  return { target, batch, state, step: null, stepDone: false, attempt: 1, previousVersion: '1.1.0', error: null, updatedAt: '2026-11-27T10:00:02Z' };
}

/** Each step of the list as `title: words`, in order. */
function steps(): string[] {
  const list = screen.getByRole('list', { name: 'Rollout timeline' });
  expect(list.tagName).toBe('OL');
  return within(list)
    .getAllByRole('listitem')
    .map((item) => `${item.querySelector('.timeline-title')!.textContent}: ${item.getAttribute('data-status')} (${item.querySelector('.timeline-words')!.textContent})`);
}

describe('Timeline', () => {
  it('shows a running deployment: earlier steps done, the batch under way current, the rest pending', () => {
    const tasks = [task('web-1', 0, 'succeeded'), task('web-2', 1, 'running'), task('web-3', 1, 'pending'), task('web-4', 2, 'pending')];
    render(<Timeline deployment={canary({ currentBatch: 1, nextGate: 1 })} tasks={tasks} />);
    expect(steps()).toEqual([
      'Batch 1 (1 target): done (done)',
      'Analysis error-rate: done (passed)',
      'Batch 2 (2 targets): current (in progress)',
      'Pause until promoted: pending (pending)',
      'Batch 3 (1 target): pending (pending)',
    ]);
    expect(screen.getByText(/web-2, web-3 · 1 running/)).toBeTruthy();
    expect(document.querySelector('[aria-current="step"]')?.textContent).toContain('Batch 2');
  });

  it('shows a deployment paused at a gate: the gate is current and says so', () => {
    const tasks = [task('web-1', 0, 'succeeded'), task('web-2', 1, 'succeeded'), task('web-3', 1, 'succeeded'), task('web-4', 2, 'pending')];
    render(<Timeline deployment={canary({ state: 'paused', currentBatch: 2, nextGate: 1 })} tasks={tasks} />);
    expect(steps()).toEqual([
      'Batch 1 (1 target): done (done)',
      'Analysis error-rate: done (passed)',
      'Batch 2 (2 targets): done (done)',
      'Pause until promoted: current (paused here)',
      'Batch 3 (1 target): pending (pending)',
    ]);
  });

  it('shows a failed deployment: the batch where it failed, and the steps it never reached', () => {
    const tasks = [task('web-1', 0, 'succeeded'), task('web-2', 1, 'failed'), task('web-3', 1, 'succeeded'), task('web-4', 2, 'skipped')];
    render(<Timeline deployment={canary({ state: 'failed', currentBatch: 1, nextGate: 1, finishedAt: '2026-11-27T10:05:00Z' })} tasks={tasks} />);
    expect(steps()).toEqual([
      'Batch 1 (1 target): done (done)',
      'Analysis error-rate: done (passed)',
      'Batch 2 (2 targets): failed (failed here)',
      'Pause until promoted: pending (not reached)',
      'Batch 3 (1 target): pending (not reached)',
    ]);
  });

  it('shows a deployment rolled back by its analysis: the analysis gate failed', () => {
    const tasks = [task('web-1', 0, 'rolled_back'), task('web-2', 1, 'skipped'), task('web-3', 1, 'skipped'), task('web-4', 2, 'skipped')];
    render(<Timeline deployment={canary({ state: 'rolled_back', currentBatch: 1, nextGate: 0, reason: 'error[ANALYSIS_FAILED]: error-rate failed' })} tasks={tasks} />);
    expect(steps()).toEqual([
      'Batch 1 (1 target): done (done)',
      'Analysis error-rate: failed (failed here)',
      'Batch 2 (2 targets): pending (not reached)',
      'Pause until promoted: pending (not reached)',
      'Batch 3 (1 target): pending (not reached)',
    ]);
    expect(screen.getByText(/web-1 · 1 rolled back/)).toBeTruthy();
  });

  it('shows a succeeded deployment all done, and a queued one all pending', () => {
    render(<Timeline deployment={canary({ state: 'succeeded', currentBatch: 3, nextGate: 2 })} tasks={[]} />);
    expect(steps().every((step) => step.includes(': done ('))).toBe(true);
    cleanup();
    render(<Timeline deployment={canary({ state: 'queued', startedAt: null })} tasks={[]} />);
    expect(steps().every((step) => step.endsWith(': pending (pending)'))).toBe(true);
  });

  it('says the plan is not made yet before the deployment starts', () => {
    render(<Timeline deployment={canary({ state: 'queued', batches: null, gates: null })} tasks={[]} />);
    expect(screen.queryByRole('list')).toBeNull();
    expect(screen.getByText(/planned .* when the deployment starts/)).toBeTruthy();
  });
});
