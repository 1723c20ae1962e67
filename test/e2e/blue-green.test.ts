import { existsSync, mkdtempSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { formatReport, startLoad, type LoadRecord, type LoadRun } from '../support/load-generator.mjs';
import { startNginx, type RealNginx } from '../support/nginx.js';
import { freePort } from '../support/server-process.js';
import { stopWebApp, webAppBuild, webAppRunDir } from '../support/web-app.js';

/**
 * Blue-green behind a real nginx, under load: each target runs the release on its idle slot
 * (its own port) beside the live one, nginx switches every target at once, and an abort after
 * the switch returns traffic to the old slot, still warm. No request may fail.
 */
const APP = 'bg';
const TARGETS = ['bg-1', 'bg-2'];
const RATE = 200;

describe('blue-green behind a real nginx', () => {
  let gantry: TestGantry;
  let nginx: RealNginx;
  const roots: Record<string, string> = {};
  const ports: Record<string, { blue: number; green: number }> = {};

  function manifest(strategy: string): string {
    const perTarget = (slot: 'blue' | 'green') => TARGETS.map((target) => `${target}: "${ports[target]![slot]}"`).join(', ');
    return `app: ${APP}
keepReleases: 4
environments:
  - name: prod
    targets: { role: bg }
    traffic: { target: lb, server: "127.0.0.1:\${PORT}", drainDelay: 300ms, nginx: { file: "${nginx.upstreamFile}", upstream: ${nginx.upstream}, test: "${nginx.testCommand}", reload: "${nginx.reloadCommand}" } }
variables:
  BLUE_PORT: { targets: { ${perTarget('blue')} } }
  GREEN_PORT: { targets: { ${perTarget('green')} } }
  TARGET: { targets: { ${TARGETS.map((target) => `${target}: ${target}`).join(', ')} } }
config:
  - { template: app.env.tmpl, path: app.env }
hooks:
  afterActivate: ./bin/restart
  scaleDown: ./bin/stop
health:
  - http: { url: "http://127.0.0.1:\${PORT}/healthz", expect: 200 }
    retries: 50
    interval: 100ms
strategy: ${strategy}
`;
  }
  const strategy = (extra: string) => `{ type: blueGreen, slots: { blue: { PORT: "\${BLUE_PORT}" }, green: { PORT: "\${GREEN_PORT}" } }, ${extra} }`;

  async function release(version: string, extra: string): Promise<void> {
    await gantry.apply(manifest(strategy(extra)));
    await gantry.release(APP, version, webAppBuild({ version }));
  }

  const startLoadOnNginx = () => startLoad({ url: `http://127.0.0.1:${nginx.port}/`, ratePerSecond: RATE, maxDurationMs: 60_000, maxRequests: RATE * 60, keepAlive: false, phase: 'before' });

  /** Waits for the deployment to end, then a second of `after`; no request may have failed. */
  async function endUnderLoad(load: LoadRun, id: string) {
    const done = await gantry.waitFor(id, 60_000);
    await nginx.settle();
    load.mark('after');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const report = await load.stop();
    expect(report.total.failed, formatReport(report)).toBe(0);
    return { done, records: load.responses() };
  }

  const bodies = (records: readonly LoadRecord[], phase: string) => new Set(records.filter((record) => record.phase === phase).map((record) => record.body?.split(' on ')[0]));
  const slotRunning = (target: string, slot: string) => existsSync(join(webAppRunDir(roots[target]!, APP), `web-app-${slot}.pid`));
  const get = async (port: number) => (await (await fetch(`http://127.0.0.1:${port}/`)).text()).split(' on ')[0];

  beforeAll(async () => {
    gantry = await startTestGantry();
    for (const target of TARGETS) {
      ports[target] = { blue: await freePort(), green: await freePort() };
      roots[target] = mkdtempSync(join(tmpdir(), `gantry-${target}-`));
      await gantry.addTarget({ name: target, labels: { role: 'bg' }, local: { root: roots[target] } });
    }
    await gantry.addTarget({ name: 'lb', labels: { role: 'lb' }, local: { root: mkdtempSync(join(tmpdir(), 'gantry-lb-')) } });
    nginx = await startNginx({ upstream: 'bg', initialServers: TARGETS.map((target) => `127.0.0.1:${ports[target]!.blue}`) });
    await release('1.0.0', 'scaleDownDelay: 0s');
    const first = await gantry.waitFor((await gantry.deploy(APP, '1.0.0', 'prod')).deployment.id, 60_000);
    expect(first.deployment.state, first.deployment.reason ?? '').toBe('succeeded');
    expect(first.deployment.batches).toEqual([TARGETS]);
    await nginx.settle();
  }, 120_000);

  afterAll(async () => {
    await Promise.all(TARGETS.filter((target) => roots[target]).map((target) => stopWebApp(webAppRunDir(roots[target]!, APP))));
    await nginx?.stop();
    await gantry?.close();
  });

  it('starts the release on the idle slot, switches every target at once, then stops the old slot', async () => {
    await release('2.0.0', 'scaleDownDelay: 1s');
    const load = startLoadOnNginx();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const id = (await gantry.deploy(APP, '2.0.0', 'prod')).deployment.id;
    load.mark('deploying');
    await gantry.waitForEvent(id, (event) => event.type === 'slot:switched');
    load.mark('switched');
    const { done, records } = await endUnderLoad(load, id);
    expect(done.deployment.state, done.deployment.reason ?? '').toBe('succeeded');
    // The preview slot serves no traffic before the switch; after it, only the new release does.
    expect(bodies(records, 'before')).toEqual(new Set(['release 1.0.0']));
    expect(bodies(records, 'after')).toEqual(new Set(['release 2.0.0']));
    for (const target of TARGETS) {
      expect(readlinkSync(join(roots[target]!, APP, 'current'))).toBe('releases/2.0.0');
      expect(slotRunning(target, 'green')).toBe(true);
      expect(slotRunning(target, 'blue')).toBe(false);
      expect(readFileSync(nginx.upstreamFile, 'utf8')).toContain(`127.0.0.1:${ports[target]!.green};`);
    }
  });

  it('waits for promote with the preview on the idle slot; an abort after the switch goes back to the warm old slot', async () => {
    await release('3.0.0', 'autoPromote: false, scaleDownDelay: 30s');
    const load = startLoadOnNginx();
    const id = (await gantry.deploy(APP, '3.0.0', 'prod')).deployment.id;
    await gantry.waitForEvent(id, (event) => event.type === 'deployment:paused');
    // The preview answers on the idle (blue) slot's port; nginx still sends everything to green.
    for (const target of TARGETS) expect(await get(ports[target]!.blue)).toBe('release 3.0.0');
    expect(new Set((await nginx.sample(6)).map((body) => body.trim()))).toEqual(new Set(TARGETS.map((target) => `release 2.0.0 on ${target}`)));
    load.mark('promoted');
    expect((await gantry.api('POST', `/deployments/${id}/promote`)).status).toBe(202);
    await gantry.waitForEvent(id, (event) => event.type === 'slot:switched');
    await nginx.settle();
    load.mark('switched');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await gantry.api('POST', `/deployments/${id}/abort`)).status).toBe(202);
    load.mark('aborted');
    const { done, records } = await endUnderLoad(load, id);
    expect(done.deployment.state, done.deployment.reason ?? '').toBe('rolled_back');
    expect(done.deployment.reason).toContain('aborted on request');
    expect(bodies(records, 'switched')).toEqual(new Set(['release 3.0.0']));
    expect(bodies(records, 'after')).toEqual(new Set(['release 2.0.0']));
    for (const target of TARGETS) {
      expect(readlinkSync(join(roots[target]!, APP, 'current'))).toBe('releases/2.0.0');
      expect(slotRunning(target, 'green')).toBe(true);
      expect(slotRunning(target, 'blue')).toBe(false);
    }
    expect(done.tasks.every((task) => task.state === 'rolled_back')).toBe(true);
  });
});
