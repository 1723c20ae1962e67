import { describe, expect, it } from 'vitest';
import type { DeploymentState } from '../deployment/deployment-machine.js';
import { planRetention, type RetentionDeployment, type RetentionHold, type RetentionRelease } from './plan.js';
import type { RetentionPolicy, RetentionRules } from './policy.js';

const NOW = new Date('2026-06-01T00:00:00.000Z');
const daysAgo = (days: number, minutes = 0) => new Date(NOW.getTime() - days * 86_400_000 + minutes * 60_000).toISOString();
/** Age protects nothing unless a test says so. */
const RULES: RetentionRules = { keepReleases: 1, keepReleaseDays: 0, keepLogDays: 0, keepLogDeployments: 0 };
const policy = (rules: Partial<RetentionRules> = {}, overrides: RetentionPolicy['overrides'] = {}): RetentionPolicy => ({ installation: { ...RULES, ...rules }, overrides });

const release = (version: string, options: { app?: string; digest?: string; age?: number; pruned?: boolean; stored?: boolean } = {}): RetentionRelease => ({
  app: options.app ?? 'shop',
  version,
  digest: options.digest ?? `digest-${version}`,
  createdAt: daysAgo(options.age ?? 100),
  archivePruned: options.pruned ?? false,
  archiveStillStored: options.stored ?? false,
});

let sequence = 0;
/** A deployment `age` days ago (each later call is a minute later, so order follows the calls). */
function deployment(version: string, environment: string, state: DeploymentState = 'succeeded', options: { app?: string; age?: number; logs?: number; kind?: string } = {}): RetentionDeployment {
  sequence += 1;
  const at = daysAgo(options.age ?? 50, sequence);
  return {
    id: `d-${String(sequence).padStart(4, '0')}`,
    app: options.app ?? 'shop',
    environment,
    version,
    kind: options.kind ?? 'deploy',
    state,
    createdAt: at,
    finishedAt: state === 'queued' || state === 'running' || state === 'paused' ? null : at,
    logLines: options.logs ?? 0,
  };
}

function plan(releases: RetentionRelease[], deployments: RetentionDeployment[], rules: Partial<RetentionRules> = {}, holds: RetentionHold[] = [], overrides: RetentionPolicy['overrides'] = {}) {
  return planRetention({ releases, deployments, holds, policy: policy(rules, overrides), now: NOW });
}
const versions = (verdicts: readonly { version: string }[]) => verdicts.map((verdict) => verdict.version);
const reasonsOf = (result: ReturnType<typeof plan>, version: string) => result.keptReleases.find((verdict) => verdict.version === version)?.reasons ?? [];

describe('planRetention', () => {
  it('keeps the live and the rollback release of every environment, and prunes the rest', () => {
    const result = plan([release('1'), release('2'), release('3'), release('4')], [deployment('1', 'prod'), deployment('2', 'prod'), deployment('3', 'prod'), deployment('4', 'prod')]);
    expect(versions(result.pruneReleases)).toEqual(['1', '2']);
    expect(reasonsOf(result, '4')).toContain('live in prod');
    expect(reasonsOf(result, '3')).toContain('rollback release of prod');
    expect(result.environments).toEqual([{ app: 'shop', environment: 'prod', live: '4', rollback: '3' }]);
  });

  it('after a rollback, the release rolled back to is live and the one before it is the rollback release', () => {
    const result = plan([release('1'), release('2'), release('3')], [deployment('1', 'prod'), deployment('2', 'prod'), deployment('3', 'prod'), deployment('2', 'prod', 'succeeded', { kind: 'rollback' })]);
    expect(result.environments[0]).toMatchObject({ live: '2', rollback: '3' });
    expect(versions(result.pruneReleases)).toEqual(['1']);
  });

  it('counts the last N releases per environment they succeeded in', () => {
    const deployments = [deployment('1', 'staging'), deployment('2', 'staging'), deployment('3', 'staging'), deployment('4', 'staging'), deployment('1', 'prod'), deployment('2', 'prod')];
    const result = plan(['1', '2', '3', '4'].map((version) => release(version)), deployments, { keepReleases: 3 });
    // staging keeps 4, 3, 2 (last three); prod keeps 2 (live) and 1 (rollback): nothing goes.
    expect(versions(result.pruneReleases)).toEqual([]);
    expect(reasonsOf(result, '2')).toEqual(expect.arrayContaining(['live in prod', 'one of the last 3 releases that succeeded in staging']));
    const fewer = plan(['1', '2', '3', '4', '5'].map((version) => release(version)), [...deployments, deployment('5', 'staging')], { keepReleases: 2 });
    expect(versions(fewer.pruneReleases)).toEqual(['3']);
  });

  it('failed attempts do not push succeeded releases out of the window, and a failed release may still be on targets', () => {
    const result = plan([release('1'), release('2'), release('3')], [deployment('1', 'prod'), deployment('2', 'prod'), deployment('3', 'prod', 'failed')]);
    expect(versions(result.pruneReleases)).toEqual([]);
    expect(reasonsOf(result, '3')[0]).toMatch(/may still run on targets of prod: deployment d-\d+ ended failed/);
    const rolledBack = plan([release('1'), release('2'), release('3')], [deployment('1', 'prod'), deployment('2', 'prod'), deployment('3', 'prod', 'rolled_back')]);
    expect(versions(rolledBack.pruneReleases)).toEqual(['3']);
  });

  it('never prunes a release an unfinished deployment uses', () => {
    for (const state of ['queued', 'running', 'paused', 'rolling_back'] as const) {
      const result = plan([release('1'), release('2'), release('3'), release('0')], [deployment('1', 'prod'), deployment('2', 'prod'), deployment('3', 'prod'), deployment('0', 'staging', state)]);
      expect(versions(result.pruneReleases)).toEqual(['1']);
      expect(reasonsOf(result, '0')[0]).toMatch(new RegExp(`used by unfinished deployment d-\\d+ \\(${state}\\)`));
    }
  });

  it('keeps a release with a deployment newer than the cutoff, and a new release never deployed', () => {
    const result = plan([release('1'), release('2'), release('3'), release('4', { age: 5 }), release('5', { age: 20 })], [deployment('1', 'prod', 'cancelled', { age: 3 }), deployment('2', 'prod'), deployment('3', 'prod')], { keepReleaseDays: 10 });
    expect(reasonsOf(result, '1')[0]).toMatch(/^deployed to prod within 10 days/);
    expect(reasonsOf(result, '4')).toEqual(['created within 10 days']);
    expect(result.pruneReleases).toEqual([{ app: 'shop', version: '5', digest: 'digest-5', reasons: ['never deployed, created more than 10 days ago'] }]);
  });

  it('keeps what a hold names', () => {
    const result = plan([release('1'), release('2'), release('3')], [deployment('2', 'prod'), deployment('3', 'prod')], {}, [{ app: 'shop', version: '1', reason: 'named by open change C-4' }]);
    expect(reasonsOf(result, '1')).toEqual(['named by open change C-4']);
  });

  it('deletes an archive only when every release with its digest is pruned', () => {
    const releases = [release('1', { digest: 'shared' }), release('2', { digest: 'shared' }), release('3', { digest: 'own' }), release('4'), release('5')];
    const deployments = ['1', '2', '3', '4', '5'].map((version) => deployment(version, 'prod'));
    const result = plan(releases, deployments);
    expect(versions(result.pruneReleases)).toEqual(['1', '2', '3']);
    expect(result.deleteArchives).toEqual([{ digest: 'own', releases: ['shop 3'] }, { digest: 'shared', releases: ['shop 1', 'shop 2'] }]);
    // 2 is live again (its digest is shared with 1; 5 is now the rollback release): the archive stays although 1 goes.
    const kept = plan(releases, [...deployments, deployment('2', 'prod', 'succeeded', { kind: 'rollback' })]);
    expect(versions(kept.pruneReleases)).toEqual(['1', '3', '4']);
    expect(kept.deleteArchives.map((archive) => archive.digest)).toEqual(['digest-4', 'own']);
  });

  it('finishes what an interrupted run left: pruned releases whose archive is still stored', () => {
    const result = plan([release('1', { pruned: true, stored: true }), release('2', { pruned: true }), release('3'), release('4')], [deployment('3', 'prod'), deployment('4', 'prod')]);
    expect(result.pruneReleases).toEqual([]);
    expect(result.deleteArchives.map((archive) => archive.digest)).toEqual(['digest-1']);
  });

  it('an application override changes only its own releases and logs', () => {
    const releases = ['1', '2', '3'].flatMap((version) => [release(version), release(version, { app: 'blog' })]);
    const deployments = ['1', '2', '3'].flatMap((version) => [deployment(version, 'prod', 'succeeded', { logs: 5 }), deployment(version, 'prod', 'succeeded', { app: 'blog', logs: 5 })]);
    const result = plan(releases, deployments, {}, [], { blog: { keepReleases: 3, keepLogDeployments: 2 } });
    expect(result.pruneReleases.map((verdict) => `${verdict.app} ${verdict.version}`)).toEqual(['shop 1']);
    expect(result.deleteLogs.map((verdict) => `${verdict.app} ${verdict.version}`).sort()).toEqual(['blog 1', 'shop 1', 'shop 2', 'shop 3']);
    expect(result.keptLogs.map((verdict) => `${verdict.app} ${verdict.version}`).sort()).toEqual(['blog 2', 'blog 3']);
  });

  it('keeps logs for D days or the last N deployments per environment, whichever keeps more, and always while unfinished', () => {
    const deployments = [
      deployment('1', 'prod', 'succeeded', { age: 40, logs: 3 }),
      deployment('2', 'prod', 'succeeded', { age: 30, logs: 3 }),
      deployment('3', 'prod', 'failed', { age: 20, logs: 3 }),
      deployment('4', 'prod', 'succeeded', { age: 5, logs: 3 }),
      deployment('5', 'prod', 'running', { age: 60, logs: 3 }),
      deployment('6', 'staging', 'succeeded', { age: 50, logs: 0 }),
    ];
    const byDays = plan([], deployments, { keepLogDays: 25, keepLogDeployments: 1 });
    expect(byDays.deleteLogs.map((verdict) => verdict.version)).toEqual(['1', '2']);
    const byCount = plan([], deployments, { keepLogDays: 10, keepLogDeployments: 3 });
    expect(byCount.deleteLogs.map((verdict) => verdict.version)).toEqual(['1']);
    expect(byCount.keptLogs.find((verdict) => verdict.version === '5')?.reasons).toContain('unfinished (running)');
    expect(byCount.deleteLogs[0]).toMatchObject({ lines: 3, environment: 'prod' });
  });
});
