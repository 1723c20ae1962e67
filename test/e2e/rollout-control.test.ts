import { mkdtempSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentDetailDto, DeploymentDto, ProblemDto } from '../../src/protocol/api.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { makeBuildDir } from '../support/release-dirs.js';

/**
 * Canary gates and the rollout controls (promote, pause, resume, abort) on real local targets:
 * a paused deployment lets go of its lease, and is taken up again when its time comes or
 * someone asks, also by a restarted server.
 */
const TARGETS = ['t1', 't2', 't3', 't4', 't5'];

/** An analysis whose one measurement is neither a success nor a failure. */
const UNDECIDED = `analysis:
  undecided:
    metrics:
      - { name: half, provider: { command: { run: 'echo 0.5' } }, successCondition: "result < 0.1", failureCondition: "result > 0.9", count: 1 }
`;

function manifest(app: string, strategy: string, hooks = '{}'): string {
  return `app: ${app}
environments: [{ name: prod, targets: { role: web } }]
hooks: ${hooks}
${UNDECIDED}strategy: ${strategy}
`;
}

for (const dialect of DIALECTS) describe(`rollout control (store: ${dialect})`, () => {
  let database: TestDatabase;
  let gantry: TestGantry;
  let dataDir: string;
  const roots: Record<string, string> = {};
  const currentOf = (app: string, target: string) => readlinkSync(join(roots[target]!, app, 'current'));

  /** Applies the manifest, releases 1.0.0 and 2.0.0, puts 1.0.0 everywhere; returns the 2.0.0 deployment's id. */
  async function deployCanary(app: string, strategy: string, hooks?: string): Promise<string> {
    await gantry.apply(manifest(app, strategy, hooks));
    for (const version of ['1.0.0', '2.0.0']) await gantry.release(app, version, makeBuildDir({ VERSION: version }));
    const first = await gantry.deploy(app, '1.0.0', 'prod');
    // The first release goes through the same gates: promote it past each pause.
    for (;;) {
      const detail = await gantry.show(first.deployment.id);
      if (['succeeded', 'failed', 'rolled_back', 'cancelled'].includes(detail.deployment.state)) {
        expect(detail.deployment.state).toBe('succeeded');
        break;
      }
      if (detail.deployment.state === 'paused' && detail.deployment.controlRequest === null) await gantry.api('POST', `/deployments/${first.deployment.id}/promote`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return (await gantry.deploy(app, '2.0.0', 'prod')).deployment.id;
  }

  async function waitForState(id: string, state: string, timeoutMs = 30_000): Promise<DeploymentDetailDto> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const detail = await gantry.show(id);
      if (detail.deployment.state === state && detail.deployment.controlRequest === null) return detail;
      if (Date.now() > deadline) throw new Error(`deployment ${id} is ${detail.deployment.state}, not ${state}: ${detail.deployment.reason}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const control = (id: string, request: string) => gantry.api<DeploymentDto | ProblemDto>('POST', `/deployments/${id}/${request}`);
  const onVersion = (app: string, version: string) => TARGETS.filter((target) => currentOf(app, target) === `releases/${version}`);

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    dataDir = mkdtempSync(join(tmpdir(), 'gantry-server-'));
    gantry = await startTestGantry({ dataDir, ...(database.postgresUrl ? { postgresUrl: database.postgresUrl } : {}) });
    for (const name of TARGETS) {
      roots[name] = mkdtempSync(join(tmpdir(), `gantry-${name}-`));
      await gantry.addTarget({ name, labels: { role: 'web' }, local: { root: roots[name] } });
    }
  });
  afterAll(async () => {
    await gantry?.close();
    await database?.drop();
  });

  it('stops at a pause until promoted, goes on by itself after a timed pause, and ends at 100%', async () => {
    const id = await deployCanary('canary', '{ type: canary, steps: [{ targets: 20% }, { pause: {} }, { targets: 3 }, { pause: { duration: 1s } }] }');
    const paused = await waitForState(id, 'paused');
    expect(paused.deployment.batches).toEqual([['t1'], ['t2', 't3'], ['t4', 't5']]);
    expect(paused.deployment.gates).toEqual([
      { kind: 'pause', afterBatch: 0, durationMs: null, template: null, args: null },
      { kind: 'pause', afterBatch: 1, durationMs: 1000, template: null, args: null },
    ]);
    expect(paused.deployment.reason).toContain('waiting for gantry promote');
    expect(onVersion('canary', '2.0.0')).toEqual(['t1']);

    // A paused deployment still holds its environment: another deployment waits behind it.
    const behind = await gantry.deploy('canary', '1.0.0', 'prod');
    expect(behind.waitingFor).toEqual([id]);
    expect((await gantry.api<ProblemDto>('POST', `/deployments/${behind.deployment.id}/cancel`)).status).toBe(202);

    expect((await control(id, 'promote')).status).toBe(202);
    const timed = await waitForState(id, 'paused');
    expect(timed.deployment.resumeAt).not.toBeNull();
    expect(timed.deployment.nextGate).toBe(1);
    expect(onVersion('canary', '2.0.0')).toEqual(['t1', 't2', 't3']);

    const done = await gantry.waitFor(id);
    expect(done.deployment.state).toBe('succeeded');
    expect(onVersion('canary', '2.0.0')).toEqual(TARGETS);
    const events = (await gantry.events(id)).map((event) => `${event.type}${event.type === 'deployment:unpaused' ? ` ${String(event.data.request)}` : ''}`);
    expect(events.filter((type) => type.startsWith('deployment:paused') || type.startsWith('deployment:unpaused'))).toEqual([
      'deployment:paused',
      'deployment:unpaused promote',
      'deployment:paused',
      'deployment:unpaused null',
    ]);
  });

  it('refuses requests the state cannot take, with the reason', async () => {
    const id = await deployCanary('refusals', '{ type: canary, steps: [{ targets: 1 }, { pause: {} }] }');
    await waitForState(id, 'paused');
    const pausedResume = await control(id, 'resume');
    expect(pausedResume.status).toBe(202);
    const done = await gantry.waitFor(id);
    expect(done.deployment.state).toBe('succeeded');
    const finished = await control(id, 'promote');
    expect(finished.status).toBe(409);
    expect((finished.body as ProblemDto).code).toBe('DEPLOYMENT_FINISHED');
    const unknown = await control(id, 'skip');
    expect(unknown.status).toBe(400);
    expect((await control('d-nope', 'pause')).status).toBe(404);
  });

  it('abort during a pause rolls the switched targets back', async () => {
    const id = await deployCanary('abort-paused', '{ type: canary, steps: [{ targets: 40% }, { pause: {} }] }');
    await waitForState(id, 'paused');
    expect(onVersion('abort-paused', '2.0.0')).toEqual(['t1', 't2']);
    const notPaused = await control(id, 'abort');
    expect(notPaused.status).toBe(202);
    const done = await gantry.waitFor(id);
    expect(done.deployment.state).toBe('rolled_back');
    expect(done.deployment.reason).toContain('aborted on request');
    expect(onVersion('abort-paused', '1.0.0')).toEqual(TARGETS);
    expect(done.tasks.map((task) => task.state)).toEqual(['rolled_back', 'rolled_back', 'skipped', 'skipped', 'skipped']);
  });

  it('abort while a batch runs stops its steps and rolls back', async () => {
    const slow = `{ afterActivate: 'if [ "$GANTRY_RELEASE" = 2.0.0 ]; then sleep 30; fi' }`;
    const id = await deployCanary('abort-running', '{ type: rolling, batch: 2 }', slow);
    await gantry.waitForEvent(id, (event) => event.type === 'task:step-started' && event.data.step === 'afterActivate');
    const promote = await control(id, 'promote');
    expect(promote.status).toBe(409);
    expect((promote.body as ProblemDto).code).toBe('DEPLOYMENT_NOT_PAUSED');
    expect((await control(id, 'abort')).status).toBe(202);
    const done = await gantry.waitFor(id, 20_000);
    expect(done.deployment.state).toBe('rolled_back');
    expect(done.tasks.filter((task) => task.error?.code === 'INTERRUPTED').map((task) => task.target)).toEqual(['t1', 't2']);
    expect(onVersion('abort-running', '1.0.0')).toEqual(TARGETS);
  });

  it('pause takes effect before the next batch; resume goes on', async () => {
    const id = await deployCanary('pause-rolling', '{ type: rolling, batch: 2 }', `{ afterActivate: 'sleep 0.5' }`);
    await gantry.waitForEvent(id, (event) => event.type === 'batch:started' && event.data.batch === 0);
    expect((await control(id, 'pause')).status).toBe(202);
    const paused = await waitForState(id, 'paused');
    expect(paused.deployment.currentBatch).toBe(1);
    expect(paused.deployment.resumeAt).toBeNull();
    expect(onVersion('pause-rolling', '2.0.0')).toEqual(['t1', 't2']);
    expect((await control(id, 'resume')).status).toBe(202);
    expect((await gantry.waitFor(id)).deployment.state).toBe('succeeded');
    expect(onVersion('pause-rolling', '2.0.0')).toEqual(TARGETS);
  });

  it('an inconclusive analysis pauses; resume measures again, promote goes past it', async () => {
    const id = await deployCanary('inconclusive', '{ type: canary, steps: [{ targets: 1 }, { analysis: { template: undecided } }] }');
    const paused = await waitForState(id, 'paused');
    expect(paused.deployment.reason).toContain('inconclusive');
    expect((await control(id, 'resume')).status).toBe(202);
    const measuredTwice = async () => (await gantry.api<{ measurements: unknown[] }>('GET', `/deployments/${id}/measurements`)).body.measurements.length === 2;
    for (let i = 0; i < 200 && !(await measuredTwice()); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    await waitForState(id, 'paused');
    expect((await control(id, 'promote')).status).toBe(202);
    const done = await gantry.waitFor(id);
    expect(done.deployment.state).toBe('succeeded');
    const measured = (await gantry.api<{ measurements: { phase: string; value: unknown }[] }>('GET', `/deployments/${id}/measurements`)).body.measurements;
    expect(measured).toMatchObject([
      { phase: 'inconclusive', value: 0.5 },
      { phase: 'inconclusive', value: 0.5 },
    ]);
  });

  it('a paused deployment survives a restart of the server and can be cancelled', async () => {
    const id = await deployCanary('restart', '{ type: canary, steps: [{ targets: 1 }, { pause: {} }] }');
    await waitForState(id, 'paused');
    await gantry.close();
    gantry = await startTestGantry({ dataDir, ...(database.postgresUrl ? { postgresUrl: database.postgresUrl } : {}) });
    const after = await gantry.show(id);
    expect(after.deployment.state).toBe('paused');
    expect((await gantry.api('POST', `/deployments/${id}/cancel`)).status).toBe(202);
    const done = await gantry.waitFor(id);
    expect(done.deployment.state).toBe('cancelled');
    expect(done.deployment.reason).toContain('t1 had been switched');
    expect(onVersion('restart', '2.0.0')).toEqual(['t1']);
  });
});
