import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeasurementDto } from '../../src/protocol/api.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { startLoad, type LoadRun } from '../support/load-generator.mjs';
import { startPrometheus, type PrometheusFixture } from '../support/prometheus.js';
import { freePort } from '../support/server-process.js';
import { stopWebApp, webAppBuild, webAppManifest, webAppRunDir } from '../support/web-app.js';

/**
 * Canary analysis against a real Prometheus scraping the sample app's /metrics: a release that
 * answers errors is rolled back by its error-rate analysis after failureLimit + 1 failed
 * measurements; a healthy one passes and is promoted to every target. A background analysis
 * (command provider) aborts a rollout that goes wrong between gates.
 */
const APP = 'shop';
const TARGETS = ['shop-1', 'shop-2', 'shop-3'];
const ERROR_RATIO = 'sum(rate(http_requests_total{status="500",release="{{release}}"}[5s])) / sum(rate(http_requests_total{release="{{release}}"}[5s]))';

describe('canary analysis with a real Prometheus', () => {
  let gantry: TestGantry;
  let prometheus: PrometheusFixture;
  let loads: LoadRun[] = [];
  const roots: Record<string, string> = {};
  const ports: Record<string, number> = {};
  const flag = join(mkdtempSync(join(tmpdir(), 'gantry-flag-')), 'broken');

  function manifest(strategy: string): string {
    const analysis = `analysis:
  error-rate:
    metrics:
      - name: error-ratio
        provider: { prometheus: { address: "${prometheus.address}", query: '${ERROR_RATIO}' } }
        successCondition: "result < 0.05"
        failureCondition: "result >= 0.05"
        initialDelay: 4s
        interval: 1s
        count: 4
        failureLimit: 1
  smoke:
    metrics:
      - name: flag
        provider: { command: { run: 'test ! -f "${flag}"' } }
        successCondition: "result == true"
        interval: 200ms
`;
    return webAppManifest({ app: APP, environment: 'prod', targetPorts: ports, targetLabels: { role: 'shop' }, strategy, extra: analysis });
  }

  async function deploy(version: string, strategy: string, failRate = 0) {
    await gantry.apply(manifest(strategy));
    await gantry.release(APP, version, webAppBuild({ version, failRate }));
    return gantry.waitFor((await gantry.deploy(APP, version, 'prod')).deployment.id, 90_000);
  }

  const measurementsOf = async (id: string) => (await gantry.api<{ measurements: MeasurementDto[] }>('GET', `/deployments/${id}/measurements`)).body.measurements;
  /**
   * The phases after any leading errors: a new release's first scrapes may not have reached
   * Prometheus yet ("no samples"), which is an error measurement, retried (consecutiveErrorLimit).
   */
  const phasesOf = (measured: readonly MeasurementDto[]) => {
    const first = measured.findIndex((measurement) => measurement.phase !== 'error');
    expect(measured.slice(0, first).every((measurement) => measurement.message.includes('no samples')), JSON.stringify(measured)).toBe(true);
    return measured.slice(first).map((measurement) => measurement.phase);
  };

  beforeAll(async () => {
    gantry = await startTestGantry();
    for (const target of TARGETS) {
      ports[target] = await freePort();
      roots[target] = mkdtempSync(join(tmpdir(), `gantry-${target}-`));
      await gantry.addTarget({ name: target, labels: { role: 'shop' }, local: { root: roots[target] } });
    }
    prometheus = await startPrometheus({ targets: TARGETS.map((target) => `127.0.0.1:${ports[target]}`), scrapeInterval: '1s' });
    expect((await deploy('1.0.0', '{ type: rolling, batch: 3 }')).deployment.state).toBe('succeeded');
    // Requests to every target all along, so each release has an error rate to measure.
    loads = TARGETS.map((target) => startLoad({ url: `http://127.0.0.1:${ports[target]}/`, ratePerSecond: 20, maxDurationMs: 240_000, maxRequests: 20 * 240, keepAlive: false }));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(loads.map((load) => load.stop()));
    await Promise.all(TARGETS.filter((target) => roots[target]).map((target) => stopWebApp(webAppRunDir(roots[target]!, APP))));
    await prometheus?.stop();
    await gantry?.close();
  });

  it('promotes a healthy release once its analysis passes', async () => {
    const done = await deploy('2.0.0', '{ type: canary, steps: [{ targets: 1 }, { analysis: { template: error-rate } }] }');
    expect(done.deployment.state, done.deployment.reason ?? '').toBe('succeeded');
    const measured = await measurementsOf(done.deployment.id);
    expect(phasesOf(measured)).toEqual(['successful', 'successful', 'successful', 'successful']);
    expect(measured.every((measurement) => measurement.gate === 0 && measurement.template === 'error-rate' && measurement.metric === 'error-ratio')).toBe(true);
    expect(measured.at(-1)!.value).toBe(0);
  }, 60_000);

  it('rolls back a release that answers errors after failureLimit + 1 failed measurements', async () => {
    const done = await deploy('3.0.0', '{ type: canary, steps: [{ targets: 1 }, { analysis: { template: error-rate } }] }', 0.5);
    expect(done.deployment.state).toBe('rolled_back');
    expect(done.deployment.reason).toContain('ANALYSIS_FAILED');
    expect(done.deployment.reason).toContain('more than failureLimit 1');
    const measured = await measurementsOf(done.deployment.id);
    // No timing assertion: the count of measurements is what bounds the time (interval × (failureLimit + 1)).
    expect(phasesOf(measured)).toEqual(['failed', 'failed']);
    expect(measured.at(-1)!.value).toBeGreaterThan(0.3);
    expect(done.tasks.map((task) => task.state)).toEqual(['rolled_back', 'skipped', 'skipped']);
    const events = await gantry.events(done.deployment.id);
    const measuredAt = Date.parse(measured.find((measurement) => measurement.phase === 'failed')!.at);
    const rollingBackAt = Date.parse(events.find((event) => event.type === 'deployment:rolling-back')!.at);
    console.log(`analysis: first measurement to rollback decision ${rollingBackAt - measuredAt} ms (interval 1s × failureLimit 1 + one interval = 2000 ms)`);
  }, 60_000);

  it('a failing background analysis aborts the rollout between gates', async () => {
    const slow = '{ type: canary, analysis: { template: smoke }, steps: [{ targets: 1 }, { targets: 2 }, { targets: 3 }] }';
    await gantry.apply(manifest(slow));
    await gantry.release(APP, '4.0.0', webAppBuild({ version: '4.0.0' }));
    const id = (await gantry.deploy(APP, '4.0.0', 'prod')).deployment.id;
    await gantry.waitForEvent(id, (event) => event.type === 'batch:finished' && event.data.batch === 0);
    writeFileSync(flag, 'broken\n');
    const done = await gantry.waitFor(id, 60_000);
    expect(done.deployment.state).toBe('rolled_back');
    expect(done.deployment.reason).toContain('ANALYSIS_FAILED');
    expect(done.deployment.reason).toContain('background analysis smoke');
    const measured = await measurementsOf(id);
    expect(measured.at(-1)!.phase).toBe('failed');
    expect(measured.every((measurement) => measurement.gate === -1)).toBe(true);
  }, 60_000);

  it('the background analysis goes on measuring through a pause, and aborts the rollout there', async () => {
    rmSync(flag, { force: true });
    await gantry.apply(manifest('{ type: canary, analysis: { template: smoke }, steps: [{ targets: 1 }, { pause: {} }] }'));
    await gantry.release(APP, '5.0.0', webAppBuild({ version: '5.0.0' }));
    const id = (await gantry.deploy(APP, '5.0.0', 'prod')).deployment.id;
    await gantry.waitForEvent(id, (event) => event.type === 'deployment:paused');
    const before = (await measurementsOf(id)).length;
    for (let i = 0; i < 100 && (await measurementsOf(id)).length < before + 3; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await gantry.show(id)).deployment.state).toBe('paused');
    expect((await measurementsOf(id)).length).toBeGreaterThanOrEqual(before + 3);
    writeFileSync(flag, 'broken\n');
    const done = await gantry.waitFor(id, 60_000);
    expect(done.deployment.state).toBe('rolled_back');
    expect(done.deployment.reason).toContain('background analysis smoke');
    expect(done.tasks.map((task) => task.state)).toEqual(['rolled_back', 'skipped', 'skipped']);
  }, 60_000);
});
