import { describe, expect, it } from 'vitest';
import { environmentHealth, taskProgress } from './environment-health.js';

describe('environment health', () => {
  const live = { liveVersion: '1.0.0', latestState: 'succeeded' as const, targets: 3, offlineTargets: 0 };

  it('is unknown before anything was deployed, or without targets', () => {
    expect(environmentHealth({ ...live, liveVersion: null, latestState: null })).toBe('unknown');
    expect(environmentHealth({ ...live, targets: 0 })).toBe('unknown');
  });

  it('is healthy with a live release on targets that are all reachable', () => {
    expect(environmentHealth(live)).toBe('healthy');
    expect(environmentHealth({ ...live, latestState: 'running' })).toBe('healthy');
    // A rollback that finished put the targets back on the release before: known, healthy.
    expect(environmentHealth({ ...live, latestState: 'rolled_back' })).toBe('healthy');
  });

  it('is degraded when a target is offline or the latest deployment left targets in doubt', () => {
    expect(environmentHealth({ ...live, offlineTargets: 1 })).toBe('degraded');
    expect(environmentHealth({ ...live, latestState: 'failed' })).toBe('degraded');
    expect(environmentHealth({ ...live, latestState: 'rollback_failed' })).toBe('degraded');
  });
});

describe('task progress', () => {
  it('counts finished tasks, whatever way they finished', () => {
    expect(taskProgress(['succeeded', 'failed', 'running', 'pending', 'rolled_back', 'rolling_back', 'skipped'])).toEqual({ done: 4, total: 7 });
    expect(taskProgress([])).toEqual({ done: 0, total: 0 });
  });
});
