import { describe, expect, it } from 'vitest';
import { measureDeploymentTime, type TimelineEvent } from './deployment-time.js';

const T0 = Date.parse('2026-11-28T10:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const event = (seconds: number, type: string, data: Record<string, unknown> = {}): TimelineEvent => ({ type, data, at: at(seconds) });

describe('measureDeploymentTime', () => {
  it('counts the time between a drain and the undrain as out of rotation, per target', () => {
    const events = [
      event(1, 'batch:started', { batch: 0, targets: ['web-1'] }),
      event(2, 'traffic:drained', { targets: ['web-1'] }),
      event(9, 'traffic:undrained', { targets: ['web-1'] }),
      event(10, 'batch:finished', { batch: 0 }),
      event(11, 'batch:started', { batch: 1, targets: ['web-2', 'web-3'] }),
      event(12, 'traffic:drained', { targets: ['web-2', 'web-3'] }),
      event(15, 'traffic:undrained', { targets: ['web-2', 'web-3'] }),
      event(16, 'batch:finished', { batch: 1 }),
    ];
    const time = measureDeploymentTime({ createdAt: at(0), startedAt: at(0.5), finishedAt: at(20) }, events, new Date(T0 + 3_600_000));
    expect(time.queuedMs).toBe(500);
    expect(time.durationMs).toBe(19_500);
    expect(time.batches.map((batch) => [batch.batch, batch.durationMs, batch.finished])).toEqual([
      [0, 9000, true],
      [1, 5000, true],
    ]);
    expect(time.outOfRotation.targets.map((target) => [target.target, target.totalMs])).toEqual([
      ['web-1', 7000],
      ['web-2', 3000],
      ['web-3', 3000],
    ]);
    expect(time.outOfRotation.targetMs).toBe(13_000);
    expect(time.outOfRotation.longestMs).toBe(7000);
    expect(time.rollbackMs).toBeNull();
  });

  it('keeps a failed target out from its first drain until the rollback puts it back', () => {
    const events = [
      event(1, 'batch:started', { batch: 0, targets: ['web-1'] }),
      event(2, 'traffic:drained', { targets: ['web-1'] }),
      event(6, 'deployment:rolling-back', { reason: 'health' }),
      event(7, 'traffic:drained', { targets: ['web-1'] }),
      event(12, 'traffic:undrained', { targets: ['web-1'] }),
    ];
    const time = measureDeploymentTime({ createdAt: at(0), startedAt: at(0), finishedAt: at(13) }, events, new Date(T0));
    expect(time.outOfRotation.targets).toEqual([{ target: 'web-1', totalMs: 10_000, gaps: [{ from: at(2), to: at(12), durationMs: 10_000, open: false }] }]);
    expect(time.batches).toEqual([{ batch: 0, startedAt: at(1), endedAt: at(6), durationMs: 5000, finished: false }]);
    expect(time.rollbackMs).toBe(7000);
  });

  it('closes what is still open at the end, or at now while the deployment runs', () => {
    const events = [event(3, 'batch:started', { batch: 0, targets: ['web-1'] }), event(4, 'traffic:drained', { targets: ['web-1'] })];
    const running = measureDeploymentTime({ createdAt: at(0), startedAt: at(2), finishedAt: null }, events, new Date(at(30)));
    expect(running.durationMs).toBe(28_000);
    expect(running.batches[0]).toMatchObject({ endedAt: null, durationMs: 27_000, finished: false });
    expect(running.outOfRotation.targets[0]!.gaps).toEqual([{ from: at(4), to: at(30), durationMs: 26_000, open: true }]);
    const ended = measureDeploymentTime({ createdAt: at(0), startedAt: at(2), finishedAt: at(10) }, events, new Date(at(30)));
    expect(ended.outOfRotation.longestMs).toBe(6000);
    expect(ended.outOfRotation.targets[0]!.gaps[0]!.open).toBe(true);
  });

  it('blue-green: the switch leaves the listed targets out, and a switch back serves them again', () => {
    const events = [event(5, 'traffic:switched', { slot: 'green', out: ['web-2'] }), event(8, 'traffic:switched', { slot: 'blue', out: [] })];
    const time = measureDeploymentTime({ createdAt: at(0), startedAt: at(1), finishedAt: at(9) }, events, new Date(at(9)));
    expect(time.outOfRotation.targets).toEqual([{ target: 'web-2', totalMs: 3000, gaps: [{ from: at(5), to: at(8), durationMs: 3000, open: false }] }]);
  });

  it('has nothing out of rotation without traffic events, and no duration before the start', () => {
    const time = measureDeploymentTime({ createdAt: at(0), startedAt: null, finishedAt: null }, [], new Date(at(5)));
    expect(time).toEqual({ queuedMs: null, durationMs: null, batches: [], rollbackMs: null, outOfRotation: { targetMs: 0, longestMs: 0, targets: [] } });
  });
});
