import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/databases.js';
import { createArtifactStore } from '../artifacts/artifact-store.js';
import { packDirectory } from '../artifacts/pack-directory.js';
import { createReleaseArchives } from '../artifacts/release-archives.js';
import type { Clock } from '../core/clock.js';
import { DEFAULT_CHANGE_SETTINGS } from '../core/change/change-settings.js';
import { assessRisk, type RiskFacts } from '../core/change/risk.js';
import type { DeploymentState } from '../core/deployment/deployment-machine.js';
import type { DeploymentKind } from '../core/model.js';
import type { Labels } from '../core/names.js';
import type { StoreDatabase } from '../store/database.js';
import * as deploymentsRepository from '../store/deployments.repository.js';
import { insertTarget } from '../store/targets.repository.js';
import { createKeyring } from '../secrets/envelope.js';
import type { AppDeps } from './app-deps.js';
import { applyManifest } from './applications.js';
import { planRelease } from './change-plans.js';
import { gatherRiskFacts as gatherFacts, type RiskFactsRequest } from './change-risk-facts.js';
import { createRelease } from './releases.js';
import { addWindow } from './windows.js';
import { relate, saveCi } from './inventory.js';

// Wednesday 18 March 2026, noon UTC. Saturday 21 March is the next maintenance night.
const NOW = new Date('2026-03-18T12:00:00Z');
const at = (iso: string) => new Date(iso);
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const MANIFEST = `
app: shop
environments:
  - { name: staging, targets: { role: web, env: staging } }
  - { name: production, targets: { role: web, env: production }, protected: true }
lifecycle: [staging, production]
variables:
  PORT: "8080"
  LOG_LEVEL: { default: info, environments: { production: warn } }
config:
  - { template: deploy/app.env.tmpl, path: app.env }
hooks:
  afterInstall: npm ci --omit=dev
`;

const FILES = {
  'index.js': 'console.log("v1")\n',
  'lib/cart.js': 'export const cart = 1;\n',
  'lib/price.js': 'export const price = 1;\n',
  'deploy/app.env.tmpl': 'PORT=${PORT}\n',
};

let database: TestDatabase;
let store: StoreDatabase;
let workDir: string;
let deps: AppDeps;
let minute = 0;

/** A time after everything made so far, so that deployments keep the order they were made in. */
const nextTime = () => new Date(Date.UTC(2026, 2, 1, 0, minute++)).toISOString();

beforeEach(async () => {
  database = await createTestDatabase('sqlite');
  store = await database.open();
  workDir = mkdtempSync(join(tmpdir(), 'gantry-risk-facts-'));
  const clock: Clock = { now: () => NOW, sleep: () => Promise.resolve() };
  let id = 0;
  deps = {
    db: store.db,
    archives: createReleaseArchives(createArtifactStore(join(workDir, 'artifacts'))),
    probeSsh: () => Promise.reject(new Error('no SSH in these tests')),
    agents: { sessionOf: () => null, disconnect: () => undefined },
    clock,
    ids: { next: (prefix) => `${prefix}-${String(++id).padStart(4, '0')}` },
    wakeEngine: () => undefined,
    nodeHeartbeatMs: 5000,
    executor: { open: () => Promise.reject(new Error('no targets are reached in these tests')) },
    limits: { maxArchiveBytes: 10 * 1024 * 1024 },
    serverFingerprint: null,
    changeSettings: DEFAULT_CHANGE_SETTINGS,
    keyring: createKeyring(Buffer.alloc(32, 7), 'test master key'),
  };
});

afterEach(async () => {
  await store.close();
  await database.drop();
  rmSync(workDir, { recursive: true, force: true });
});

/** Creates a release from a real archive of `files`, with `manifest` as the application's manifest at that moment. */
async function release(version: string, files: Record<string, string>, manifest = MANIFEST): Promise<void> {
  await applyManifest(deps, manifest, 'gantry.yaml');
  const dir = join(workDir, 'src', version);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  await createRelease(deps, { app: 'shop', version, commit: null, notes: null }, packDirectory(dir));
}

async function target(name: string, labels: Labels): Promise<void> {
  await insertTarget(store.db, { name, transport: { type: 'local', root: join(workDir, name) }, labels, createdAt: nextTime(), lastSeenAt: null });
}

/** A deployment that ran and ended in `state`, recorded as the engine records it. */
async function deployment(version: string, environment: string, state: DeploymentState, kind: DeploymentKind = 'deploy'): Promise<void> {
  const id = deps.ids.next('d');
  const createdAt = nextTime();
  await deploymentsRepository.insertDeployment(store.db, { id, app: 'shop', environment, version, kind, forced: false, createdAt, idempotencyKey: null, changeId: null }, []);
  if (state === 'queued') return;
  if (state === 'cancelled') {
    await deploymentsRepository.cancelQueued(store.db, id, 'cancelled in the test', createdAt);
    return;
  }
  const lease = await deploymentsRepository.claimDeployment(store.db, 'test-node', () => ({ now: createdAt, leaseExpiresAt: nextTime() }));
  expect(lease?.deploymentId).toBe(id);
  if (state === 'running') return;
  const finishedAt = nextTime();
  await deploymentsRepository.recordDeployment(store.db, lease!, { state, finishedAt }, [], finishedAt);
}

/** A release going to an environment, as a change plans it. */
interface Request extends RiskFactsRequest {
  readonly app: string;
  readonly version: string;
  readonly environment: string;
}

const request = (overrides: Partial<Request> = {}): Request => ({
  app: 'shop',
  version: '2.0.0',
  environment: 'production',
  changeType: 'normal',
  window: null,
  now: NOW,
  ...overrides,
});

/** The facts of the request, gathered as a change gathers them: from its planned release. */
async function gatherRiskFacts(deps: AppDeps, facts: Request): Promise<RiskFacts> {
  return gatherFacts(deps, await planRelease(deps, facts.app, facts.version, facts.environment), facts);
}

describe('the archive store', () => {
  it('digests the regular files of a release archive by path, leaving out directories and symlinks', async () => {
    const dir = join(workDir, 'linked');
    mkdirSync(join(dir, 'bin'), { recursive: true });
    writeFileSync(join(dir, 'bin', 'start'), '#!/bin/sh\n');
    symlinkSync('bin/start', join(dir, 'start'));
    const { digest } = await deps.archives.put(packDirectory(dir), { maxBytes: 1024 * 1024 });
    expect(await deps.archives.fileDigests(digest)).toEqual(new Map([['bin/start', sha256('#!/bin/sh\n')]]));
  });
});

describe('gatherRiskFacts', () => {
  it('takes the environment and its criticality from the manifest of the release being deployed', async () => {
    await release('2.0.0', FILES);
    // Applied after the release was made: it does not change what this release deploys.
    await applyManifest(deps, MANIFEST.replace('protected: true }', 'protected: true, criticality: low }'), 'gantry.yaml');
    expect((await gatherRiskFacts(deps, request())).environment).toEqual({ name: 'production', criticality: 'high' });
    expect((await gatherRiskFacts(deps, request({ environment: 'staging' }))).environment).toEqual({ name: 'staging', criticality: 'medium' });
    await release('3.0.0', FILES, MANIFEST.replace('protected: true }', 'protected: true, criticality: critical }'));
    expect((await gatherRiskFacts(deps, request({ version: '3.0.0' }))).environment).toEqual({ name: 'production', criticality: 'critical' });
    await expect(gatherRiskFacts(deps, request({ environment: 'qa' }))).rejects.toMatchObject({ code: 'ENVIRONMENT_NOT_FOUND' });
    await expect(gatherRiskFacts(deps, request({ version: '9.9.9' }))).rejects.toMatchObject({ code: 'RELEASE_NOT_FOUND' });
  });

  it('counts the registered targets the environment selects', async () => {
    await release('2.0.0', FILES);
    await target('web-1', { role: 'web', env: 'production', zone: 'a' });
    await target('web-2', { role: 'web', env: 'production', zone: 'b' });
    await target('web-3', { role: 'web', env: 'production', zone: 'c' });
    await target('db-1', { role: 'db', env: 'production' });
    await target('web-s', { role: 'web', env: 'staging' });
    expect((await gatherRiskFacts(deps, request())).targets).toEqual({ touched: 3, inEnvironment: 3 });
    expect((await gatherRiskFacts(deps, request({ environment: 'staging' }))).targets).toEqual({ touched: 1, inEnvironment: 1 });
  });

  it('counts every file as changed when nothing is live, and files added, removed or changed since the live release otherwise', async () => {
    await release('1.0.0', FILES);
    const { 'lib/price.js': _removed, ...kept } = FILES;
    await release('2.0.0', { ...kept, 'index.js': 'console.log("v2")\n', 'lib/tax.js': 'export const tax = 1;\n' });
    expect((await gatherRiskFacts(deps, request({ version: '1.0.0' }))).release.filesChanged).toBe(4);
    expect((await gatherRiskFacts(deps, request())).release.filesChanged).toBe(4);

    await deployment('1.0.0', 'production', 'succeeded');
    // index.js changed, lib/price.js removed, lib/tax.js added; lib/cart.js and the template are the same.
    expect((await gatherRiskFacts(deps, request())).release.filesChanged).toBe(3);
    // A failed deployment of 2.0.0 leaves 1.0.0 live.
    await deployment('2.0.0', 'production', 'failed');
    expect((await gatherRiskFacts(deps, request())).release.filesChanged).toBe(3);
    // Redeploying the live release changes nothing; staging has nothing live.
    expect((await gatherRiskFacts(deps, request({ version: '1.0.0' }))).release.filesChanged).toBe(0);
    expect((await gatherRiskFacts(deps, request({ environment: 'staging' }))).release.filesChanged).toBe(4);
  });

  it('counts variables whose value here changed and config entries added, removed or with a changed template', async () => {
    await target('web-1', { role: 'web', env: 'production' });
    await release('1.0.0', FILES);
    const changed = `
app: shop
environments:
  - { name: staging, targets: { role: web, env: staging } }
  - { name: production, targets: { role: web, env: production }, protected: true }
lifecycle: [staging, production]
variables:
  LOG_LEVEL: { default: debug, environments: { production: error } }
  CACHE: { default: "on", targets: { web-1: "off" } }
  REGION: { environments: { staging: eu } }
config:
  - { template: deploy/app.env.tmpl, path: app.env }
  - { template: deploy/cache.conf.tmpl, path: cache.conf }
hooks:
  afterInstall: npm ci --omit=dev
`;
    await release('2.0.0', { ...FILES, 'deploy/app.env.tmpl': 'PORT=${PORT}\nLOG=${LOG_LEVEL}\n', 'deploy/cache.conf.tmpl': 'cache ${CACHE}\n' }, changed);
    // Nothing live: every variable with a value here (PORT, LOG_LEVEL) and every config entry (app.env) is new.
    expect((await gatherRiskFacts(deps, request({ version: '1.0.0' }))).release.variablesChanged).toBe(3);

    await deployment('1.0.0', 'production', 'succeeded');
    // PORT removed, LOG_LEVEL warn → error, CACHE added (web-1's own value); REGION has no value in
    // production. Config: app.env's template changed, cache.conf added.
    expect((await gatherRiskFacts(deps, request())).release.variablesChanged).toBe(5);

    // In staging LOG_LEVEL info → debug, PORT removed, CACHE and REGION added; the same two config changes.
    await deployment('1.0.0', 'staging', 'succeeded');
    expect((await gatherRiskFacts(deps, request({ environment: 'staging' }))).release.variablesChanged).toBe(6);
  });

  it('does not count a config template that moved without changing', async () => {
    await release('1.0.0', FILES);
    await deployment('1.0.0', 'production', 'succeeded');
    const moved = MANIFEST.replace('template: deploy/app.env.tmpl', 'template: ./templates/app.env.tmpl');
    const { 'deploy/app.env.tmpl': template, ...rest } = FILES;
    await release('2.0.0', { ...rest, 'templates/app.env.tmpl': template }, moved);
    const facts = await gatherRiskFacts(deps, request());
    expect(facts.release.variablesChanged).toBe(0);
    expect(facts.release.filesChanged).toBe(2);
  });

  it('sees migration hooks by the word in their command or name, whatever the case', async () => {
    await release('1.0.0', FILES);
    await release('2.0.0', FILES, MANIFEST.replace('afterInstall: npm ci --omit=dev', 'afterInstall: npm ci --omit=dev\n  beforeActivate: { run: ./bin/Migrate-Database --all, timeout: 10m }'));
    await release('3.0.0', FILES, MANIFEST.replace('afterInstall: npm ci --omit=dev', 'afterActivate: npx knex MIGRATIONS:latest'));
    expect((await gatherRiskFacts(deps, request({ version: '1.0.0' }))).release.hasMigrationHooks).toBe(false);
    expect((await gatherRiskFacts(deps, request({ version: '2.0.0' }))).release.hasMigrationHooks).toBe(true);
    expect((await gatherRiskFacts(deps, request({ version: '3.0.0' }))).release.hasMigrationHooks).toBe(true);
  });

  it('reads the last ten finished deployments to the environment, counting failures and rollbacks', async () => {
    await release('1.0.0', FILES);
    await release('2.0.0', FILES);
    expect((await gatherRiskFacts(deps, request())).recentDeployments).toEqual({ count: 0, failedOrRolledBack: 0 });

    // Older than the last ten: not counted.
    await deployment('1.0.0', 'production', 'failed');
    await deployment('1.0.0', 'production', 'failed');
    for (let i = 0; i < 5; i++) await deployment('1.0.0', 'production', 'succeeded');
    await deployment('2.0.0', 'production', 'failed');
    await deployment('2.0.0', 'production', 'rolled_back');
    await deployment('2.0.0', 'production', 'cancelled');
    await deployment('2.0.0', 'production', 'rollback_failed');
    await deployment('1.0.0', 'production', 'succeeded', 'rollback');
    await deployment('2.0.0', 'production', 'cancelled');
    await deployment('2.0.0', 'production', 'succeeded');
    // Other environments do not count; unfinished deployments are not history yet.
    await deployment('2.0.0', 'staging', 'failed');
    await deployment('2.0.0', 'production', 'running');
    await deployment('2.0.0', 'production', 'queued');
    // The ten: 5 succeeded, failed, rolled_back, rollback_failed, the (succeeded) rollback, succeeded.
    expect((await gatherRiskFacts(deps, request())).recentDeployments).toEqual({ count: 10, failedOrRolledBack: 4 });
    expect((await gatherRiskFacts(deps, request({ environment: 'staging' }))).recentDeployments).toEqual({ count: 1, failedOrRolledBack: 1 });
  });

  it('places the planned window among the maintenance windows of the scope', async () => {
    await release('2.0.0', FILES);
    await target('web-1', { role: 'web', env: 'production' });
    await target('web-s', { role: 'web', env: 'staging' });
    await addWindow(deps, { name: 'sat-night', kind: 'maintenance', cron: '0 22 * * 6', duration: '4h', timeZone: 'UTC', scope: { environments: ['production'] } });
    const saturday = { start: at('2026-03-21T22:30:00Z'), end: at('2026-03-22T01:30:00Z') };
    const pastTheEnd = { start: at('2026-03-22T01:00:00Z'), end: at('2026-03-22T03:00:00Z') };
    expect((await gatherRiskFacts(deps, request({ window: saturday }))).window.maintenanceWindow).toBe('inside');
    expect((await gatherRiskFacts(deps, request({ window: pastTheEnd }))).window.maintenanceWindow).toBe('outside');
    // No window: now (a Wednesday noon), for an hour.
    expect((await gatherRiskFacts(deps, request())).window.maintenanceWindow).toBe('outside');
    expect((await gatherRiskFacts(deps, request({ environment: 'staging' }))).window.maintenanceWindow).toBe('none');

    // A window for the database servers only does not cover the web servers production touches.
    await addWindow(deps, { name: 'db-sunday', kind: 'maintenance', cron: '0 2 * * 0', duration: '2h', timeZone: 'UTC', scope: { targetLabels: { role: 'db' } } });
    expect((await gatherRiskFacts(deps, request({ environment: 'staging' }))).window.maintenanceWindow).toBe('none');
    await addWindow(deps, { name: 'staging-web', kind: 'maintenance', cron: '0 9 * * *', duration: '8h', timeZone: 'UTC', scope: { environments: ['staging'], targetLabels: { role: 'web' } } });
    expect((await gatherRiskFacts(deps, request({ environment: 'staging' }))).window.maintenanceWindow).toBe('inside');
  });

  it('measures the time from the planned end to the next freeze covering the scope', async () => {
    await release('2.0.0', FILES);
    await target('web-1', { role: 'web', env: 'production' });
    const planned = { start: at('2026-03-21T22:00:00Z'), end: at('2026-03-22T00:00:00Z') };
    expect((await gatherRiskFacts(deps, request({ window: planned }))).window.hoursUntilFreeze).toBeNull();

    await addWindow(deps, { name: 'staging-freeze', kind: 'freeze', start: '2026-03-22T01:00:00Z', end: '2026-03-23T00:00:00Z', scope: { environments: ['staging'] } });
    await addWindow(deps, { name: 'far-away', kind: 'freeze', start: '2026-04-22T00:00:00Z', end: '2026-04-23T00:00:00Z' });
    expect((await gatherRiskFacts(deps, request({ window: planned }))).window.hoursUntilFreeze).toBeNull();

    await addWindow(deps, { name: 'quarter-end', kind: 'freeze', start: '2026-03-31T00:00:00Z', end: '2026-04-02T00:00:00Z' });
    await addWindow(deps, { name: 'sunday-batch', kind: 'freeze', cron: '30 10 * * 0', duration: '2h', timeZone: 'UTC', scope: { apps: ['shop'] } });
    expect((await gatherRiskFacts(deps, request({ window: planned }))).window.hoursUntilFreeze).toBe(10.5);
    expect((await gatherRiskFacts(deps, request({ window: { start: at('2026-03-29T13:00:00Z'), end: at('2026-03-29T14:00:00Z') } }))).window.hoursUntilFreeze).toBe(34);
    // A freeze over the window itself leaves no time at all.
    expect((await gatherRiskFacts(deps, request({ window: { start: at('2026-03-22T10:00:00Z'), end: at('2026-03-22T11:00:00Z') } }))).window.hoursUntilFreeze).toBe(0);
  });

  it('measures the lead time from now to the planned start', async () => {
    await release('2.0.0', FILES);
    expect((await gatherRiskFacts(deps, request())).window.leadTimeHours).toBe(0);
    expect((await gatherRiskFacts(deps, request({ window: { start: at('2026-03-19T18:00:00Z'), end: at('2026-03-19T19:00:00Z') } }))).window.leadTimeHours).toBe(30);
    expect((await gatherRiskFacts(deps, request({ window: { start: at('2026-03-18T11:00:00Z'), end: at('2026-03-18T13:00:00Z') } }))).window.leadTimeHours).toBe(0);
    await expect(gatherRiskFacts(deps, request({ window: { start: at('2026-03-19T18:00:00Z'), end: at('2026-03-19T18:00:00Z') } }))).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
  });

  it('says whether the version succeeded in the previous environment of the lifecycle', async () => {
    await release('1.0.0', FILES);
    await release('2.0.0', FILES);
    await deployment('1.0.0', 'staging', 'succeeded');
    await deployment('2.0.0', 'staging', 'failed');
    expect((await gatherRiskFacts(deps, request({ version: '1.0.0' }))).previousEnvironment).toEqual({ name: 'staging', succeeded: true });
    expect((await gatherRiskFacts(deps, request())).previousEnvironment).toEqual({ name: 'staging', succeeded: false });
    expect((await gatherRiskFacts(deps, request({ environment: 'staging' }))).previousEnvironment).toBeNull();
    await release('3.0.0', FILES, MANIFEST.replace('lifecycle: [staging, production]\n', ''));
    expect((await gatherRiskFacts(deps, request({ version: '3.0.0' }))).previousEnvironment).toBeNull();
  });

  it('counts the other applications the inventory says a change to this one reaches', async () => {
    await target('web-1', { role: 'web', env: 'production' });
    await release('1.0.0', FILES);
    expect((await gatherRiskFacts(deps, request({ version: '1.0.0' }))).impact).toBeUndefined();
    await applyManifest(deps, 'app: storefront\nenvironments:\n  - { name: production, targets: { role: web } }\n', 'storefront.yaml');
    await applyManifest(deps, 'app: reports\nenvironments:\n  - { name: production, targets: { role: none } }\n', 'reports.yaml');
    await saveCi(deps, { name: 'orders-api', class: 'service' });
    await relate(deps, { from: 'ci:orders-api', type: 'runs-on', to: 'app:shop' });
    await relate(deps, { from: 'app:storefront', type: 'depends-on', to: 'ci:orders-api' });
    await relate(deps, { from: 'app:reports', type: 'connects-to', to: 'app:storefront' });
    const facts = await gatherRiskFacts(deps, request({ version: '1.0.0' }));
    expect(facts.impact).toEqual({ applications: ['app:storefront', 'app:reports'] });
    expect(assessRisk(facts).factors.find((factor) => factor.factor === 'blastRadius')).toMatchObject({
      contribution: 3,
      value: '1 of 1 target (100%); its impact reaches 2 other applications: app:storefront, app:reports',
    });
  });

  it('rates a production deployment with a migration hook outside its maintenance window high, and says why', async () => {
    await target('web-1', { role: 'web', env: 'production' });
    await target('web-2', { role: 'web', env: 'production' });
    await target('web-s', { role: 'web', env: 'staging' });
    await addWindow(deps, { name: 'sat-night', kind: 'maintenance', cron: '0 22 * * 6', duration: '4h', timeZone: 'UTC', scope: { environments: ['production'] } });
    await release('1.0.0', FILES);
    await deployment('1.0.0', 'staging', 'succeeded');
    await deployment('1.0.0', 'production', 'succeeded');
    await release(
      '2.0.0',
      { ...FILES, 'index.js': 'console.log("v2")\n', 'migrations/002-orders.sql': 'alter table orders add column note text;\n' },
      MANIFEST.replace('afterInstall: npm ci --omit=dev', 'afterInstall: npm ci --omit=dev\n  beforeActivate: ./bin/migrate up').replace('production: warn', 'production: error'),
    );
    await deployment('2.0.0', 'staging', 'succeeded');

    // Friday afternoon, two days ahead: not the Saturday-night window.
    const facts = await gatherRiskFacts(deps, request({ window: { start: at('2026-03-20T14:00:00Z'), end: at('2026-03-20T15:00:00Z') } }));
    expect(facts).toEqual({
      environment: { name: 'production', criticality: 'high' },
      changeType: 'normal',
      targets: { touched: 2, inEnvironment: 2 },
      release: { filesChanged: 2, variablesChanged: 1, hasMigrationHooks: true },
      recentDeployments: { count: 1, failedOrRolledBack: 0 },
      window: { maintenanceWindow: 'outside', hoursUntilFreeze: null, leadTimeHours: 50 },
      previousEnvironment: { name: 'staging', succeeded: true },
    });

    const assessment = assessRisk(facts);
    expect(['high', 'very_high']).toContain(assessment.level);
    expect(Object.fromEntries(assessment.factors.map((factor) => [factor.factor, factor.contribution]))).toEqual({
      environmentCriticality: 4,
      blastRadius: 2,
      filesChanged: 0,
      variablesChanged: 1,
      migrationHooks: 3,
      changeFailureRate: 0,
      maintenanceWindow: 3,
      freezeProximity: 0,
      leadTime: 0,
      changeType: 0,
      previousEnvironment: 0,
    });
    expect(assessment.score).toBe(13);
    expect(assessment.level).toBe('high');
    expect(assessment.reasons[1]).toBe('Score 13 reaches the high threshold (10), so the score says high.');
  });
});
