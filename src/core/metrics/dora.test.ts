import { describe, expect, it } from 'vitest';
import type { DeploymentState } from '../deployment/deployment-machine.js';
import type { EnvironmentTier } from '../manifest/environment-tier.js';
import type { DeploymentKind } from '../model.js';
import type { CommitRecord } from '../release/commit-graph.js';
import { computeDora, DEFAULT_INCIDENT_WINDOW_MS, median, type DoraDeploymentRecord, type DoraHistory, type DoraIncidentRecord } from './dora.js';
import { resolvePeriod } from './period.js';

const HOUR = 3_600_000;
const at = (dayHour: string) => `2026-${dayHour}:00.000Z`;

function commit(sha: string, parent: string | null, committedAt: string): CommitRecord {
  return { sha, parents: parent ? [parent] : [], authorName: 'Ada', authorEmail: 'ada@example.test', committedAt, subject: `change ${sha}` };
}

function deployment(
  id: string,
  version: string,
  state: DeploymentState,
  finishedAt: string | null,
  more: { kind?: DeploymentKind; environment?: string; tier?: EnvironmentTier; commit?: string | null; createdAt?: string; troubleAt?: string } = {},
): DoraDeploymentRecord {
  return {
    id,
    app: 'shop',
    environment: more.environment ?? 'production',
    tier: more.tier ?? 'production',
    version,
    kind: more.kind ?? 'deploy',
    state,
    createdAt: more.createdAt ?? finishedAt ?? at('11-14T00:00'),
    finishedAt,
    commit: more.commit === undefined ? RELEASE_COMMITS[version] ?? null : more.commit,
    troubleAt: more.troubleAt ?? null,
  };
}

/** The commit each release was built from; 1.4 recorded none. */
const RELEASE_COMMITS: Record<string, string | null> = { '1.0': 'c0', '1.1': 'c2', '1.2': 'c3', '1.3': 'c5', '1.4': null, '1.5': 'c6' };

/*
 * A seeded history of shop, period 2026-11-01 00:00 → 2026-11-15 00:00 (14 days), W = 24 h.
 *
 * commits (a line: c0 ← c1 ← … ← c6)     production deployments (kind deploy unless said)
 *   c0 10-20 00:00                        d0  1.0 succeeded 10-25 00:00 (before the period: ships c0)
 *   c1 11-01 10:00                        d1  1.1 succeeded 11-02 12:00 → ships c1 (26 h), c2 (6 h)
 *   c2 11-02 06:00                        d2  1.2 failed    11-03 11:00 (failed event 11:00)
 *   c3 11-03 00:00                        d3  1.2 succeeded 11-03 15:00 → ships c3 (15 h)
 *   c4 11-05 00:00                        d4  1.3 rolled_back 11-06 10:30 (rolling-back event 10:00)
 *   c5 11-06 00:00                        d5  1.3 succeeded 11-07 00:00 → ships c4 (48 h), c5 (24 h)
 *   c6 11-09 04:00                        r1  rollback to 1.2, queued 11-07 02:00, succeeded 11-07 03:00
 *                                         d6  1.4 succeeded 11-08 00:00 (no commit: lead time unknown)
 *                                         d7  1.5 succeeded 11-10 00:00 → ships c6 (20 h)
 *                                         d9  1.5 cancelled 11-11 00:00 (changed nothing: not counted)
 *   staging: s1 1.5 succeeded 11-09 12:00 (another tier)
 *
 * incidents: I-1 on d1 opened 11-04 12:00 (48 h after: outside W), I-2 on d6 opened 11-08 06:00
 * resolved 08:00, I-3 on d7 opened 11-10 05:00 resolved 08:00, I-4 on nothing.
 *
 * Hand-computed:
 * - deployment frequency: d1 d3 d5 d6 d7 = 5 in 14 days → 5/14 per day, 2.5 per week.
 * - lead time: 6, 15, 20, 24, 26, 48 h (six: even) → median (20 + 24) / 2 = 22 h; d6 unknown.
 * - change failure rate: of d1 d2 d3 d4 d5 d6 d7 (7), failures d2 (ended failed), d4 (rolled back),
 *   d5 (rolled back by r1: the live release when r1 was queued), d6 (incident I-2), d7 (incident
 *   I-3) = 5/7. d1's incident came 48 h after: not counted (listed as outside the window).
 * - time to restore: d2 detected 11:00, restored by the next success d3 at 15:00 = 4 h; d4 detected
 *   10:00, its rollback finished 10:30 = 0.5 h; d5 detected when r1 was queued 02:00, r1 finished
 *   03:00 = 1 h; d6 I-2 opened 06:00 resolved 08:00 = 2 h (d7 succeeded later); d7 I-3 05:00 → 08:00
 *   = 3 h. Five (odd): 0.5, 1, 2, 3, 4 → median 2 h.
 */
const history: DoraHistory = {
  deployments: [
    deployment('d0', '1.0', 'succeeded', at('10-25T00:00')),
    deployment('d1', '1.1', 'succeeded', at('11-02T12:00')),
    deployment('d2', '1.2', 'failed', at('11-03T11:00'), { troubleAt: at('11-03T11:00') }),
    deployment('d3', '1.2', 'succeeded', at('11-03T15:00')),
    deployment('d4', '1.3', 'rolled_back', at('11-06T10:30'), { troubleAt: at('11-06T10:00') }),
    deployment('d5', '1.3', 'succeeded', at('11-07T00:00')),
    deployment('r1', '1.2', 'succeeded', at('11-07T03:00'), { kind: 'rollback', createdAt: at('11-07T02:00') }),
    deployment('d6', '1.4', 'succeeded', at('11-08T00:00')),
    deployment('s1', '1.5', 'succeeded', at('11-09T12:00'), { environment: 'staging', tier: 'staging' }),
    deployment('d7', '1.5', 'succeeded', at('11-10T00:00')),
    deployment('d9', '1.5', 'cancelled', at('11-11T00:00')),
  ],
  commits: new Map([
    [
      'shop',
      new Map(
        [
          commit('c0', null, at('10-20T00:00')),
          commit('c1', 'c0', at('11-01T10:00')),
          commit('c2', 'c1', at('11-02T06:00')),
          commit('c3', 'c2', at('11-03T00:00')),
          commit('c4', 'c3', at('11-05T00:00')),
          commit('c5', 'c4', at('11-06T00:00')),
          commit('c6', 'c5', at('11-09T04:00')),
        ].map((c) => [c.sha, c]),
      ),
    ],
  ]),
  incidents: [
    { id: 'I-1', app: 'shop', environment: 'production', deploymentId: 'd1', openedAt: at('11-04T12:00'), resolvedAt: at('11-04T14:00') },
    { id: 'I-2', app: 'shop', environment: 'production', deploymentId: 'd6', openedAt: at('11-08T06:00'), resolvedAt: at('11-08T08:00') },
    { id: 'I-3', app: 'shop', environment: 'production', deploymentId: 'd7', openedAt: at('11-10T05:00'), resolvedAt: at('11-10T08:00') },
    { id: 'I-4', app: 'shop', environment: 'production', deploymentId: null, openedAt: at('11-12T05:00'), resolvedAt: null },
  ] satisfies DoraIncidentRecord[],
};

const query = { tier: 'production' as const, since: at('11-01T00:00'), until: at('11-15T00:00'), incidentWindowMs: DEFAULT_INCIDENT_WINDOW_MS };

describe('DORA metrics on a seeded history', () => {
  const report = computeDora(history, query);

  it('counts successful production deployments of kind deploy per day and per week', () => {
    expect(report.deploymentFrequency.deployments.map((d) => d.id)).toEqual(['d1', 'd3', 'd5', 'd6', 'd7']);
    expect(report.deploymentFrequency.count).toBe(5);
    expect(report.deploymentFrequency.days).toBe(14);
    expect(report.deploymentFrequency.perDay).toBeCloseTo(5 / 14, 10);
    expect(report.deploymentFrequency.perWeek).toBe(2.5);
  });

  it('measures lead time per commit to the first successful production deployment containing it', () => {
    expect(report.leadTime.commits.map((c) => [c.sha, c.deploymentId, c.leadTimeMs / HOUR])).toEqual([
      ['c1', 'd1', 26],
      ['c2', 'd1', 6],
      ['c3', 'd3', 15],
      ['c4', 'd5', 48],
      ['c5', 'd5', 24],
      ['c6', 'd7', 20],
    ]);
    expect(report.leadTime.medianMs).toBe(22 * HOUR);
    expect(report.leadTime.unknown.map((d) => d.id)).toEqual(['d6']);
  });

  it('attributes each failure to one deployment, with the reason it counted', () => {
    expect(report.changeFailureRate.total).toBe(7);
    expect(report.changeFailureRate.failed).toBe(5);
    expect(report.changeFailureRate.rate).toBeCloseTo(5 / 7, 10);
    expect(report.changeFailureRate.failures.map((f) => [f.deployment.id, f.reasons.map((r) => r.text)])).toEqual([
      ['d2', ['ended failed']],
      ['d4', ['rolled back']],
      ['d5', ['rolled back by r1']],
      ['d6', ['incident I-2']],
      ['d7', ['incident I-3']],
    ]);
    expect(report.changeFailureRate.incidentsOutsideWindow).toEqual([{ incidentId: 'I-1', deploymentId: 'd1', openedAt: at('11-04T12:00') }]);
  });

  it('measures time to restore from detection to the first of rollback, next success or incident resolved', () => {
    expect(report.timeToRestore.restores.map((r) => [r.deploymentId, r.detectedBy, r.restoredBy, r.durationMs / HOUR])).toEqual([
      ['d2', 'ended failed', 'd3 succeeded', 4],
      ['d4', 'rolling back began', 'rollback finished', 0.5],
      ['d5', 'rollback r1 began', 'rollback r1 finished', 1],
      ['d6', 'incident I-2 opened', 'incident I-2 resolved', 2],
      ['d7', 'incident I-3 opened', 'incident I-3 resolved', 3],
    ]);
    expect(report.timeToRestore.medianMs).toBe(2 * HOUR);
    expect(report.timeToRestore.notRestored).toEqual([]);
  });

  it('widens the incident window when asked, and reads another tier on its own', () => {
    const wide = computeDora(history, { ...query, incidentWindowMs: 72 * HOUR });
    expect(wide.changeFailureRate.failures.map((f) => f.deployment.id)).toEqual(['d1', 'd2', 'd4', 'd5', 'd6', 'd7']);
    // d1: I-1 opened 11-04 12:00; the next success after it is d5 (11-07 00:00), I-1 resolved 14:00 first: 2 h.
    expect(wide.timeToRestore.restores.find((r) => r.deploymentId === 'd1')?.durationMs).toBe(2 * HOUR);

    const staging = computeDora(history, { ...query, tier: 'staging' });
    expect(staging.deploymentFrequency.deployments.map((d) => d.id)).toEqual(['s1']);
    // s1 is the first staging deployment: every commit reaches staging with it.
    expect(staging.leadTime.commits.map((c) => `${c.sha}@${c.deploymentId}`)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6'].map((sha) => `${sha}@s1`));
  });

  it('lists a failure nothing has restored yet, and answers null where there is nothing to measure', () => {
    const open = computeDora({ ...history, incidents: history.incidents.map((i) => (i.id === 'I-3' ? { ...i, resolvedAt: null } : i)) }, query);
    expect(open.timeToRestore.notRestored).toEqual([{ deploymentId: 'd7', detectedAt: at('11-10T05:00'), detectedBy: 'incident I-3 opened' }]);
    // 0.5, 1, 2, 4 (even) → (1 + 2) / 2.
    expect(open.timeToRestore.medianMs).toBe(1.5 * HOUR);

    const empty = computeDora(history, { ...query, since: at('12-01T00:00'), until: at('12-08T00:00') });
    expect(empty.changeFailureRate.rate).toBeNull();
    expect(empty.leadTime.medianMs).toBeNull();
    expect(empty.deploymentFrequency.perWeek).toBe(0);
  });

  it('takes medians of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });
});

describe('metric periods', () => {
  const now = new Date('2026-11-28T12:00:00.000Z');

  it('reads 30d, 2w and ISO times, defaulting to the last 30 days', () => {
    expect(resolvePeriod(now, undefined, undefined)).toEqual({ since: '2026-10-29T12:00:00.000Z', until: '2026-11-28T12:00:00.000Z' });
    expect(resolvePeriod(now, '2w', '2026-11-27')).toEqual({ since: '2026-11-14T12:00:00.000Z', until: '2026-11-27T00:00:00.000Z' });
  });

  it('refuses what is not a time, and a period that ends before it starts', () => {
    expect(() => resolvePeriod(now, 'last month', undefined)).toThrow(/since: expected a time back from now/);
    expect(() => resolvePeriod(now, '1d', '2026-11-01T00:00:00Z')).toThrow(/must start before it ends/);
  });
});
