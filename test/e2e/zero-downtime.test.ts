import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { formatReport, startLoad, type LoadRecord, type LoadRun } from '../support/load-generator.mjs';
import { startNginx, type RealNginx } from '../support/nginx.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';
import { stopWebApp, webAppBuild, webAppManifest, webAppRunDir } from '../support/web-app.js';
import { freePort } from '../support/server-process.js';

/**
 * Zero downtime, proven under load: a real nginx in front of the sample app on three targets
 * (two local, one over SSH), a load generator sending requests the whole time, and Gantry
 * taking each batch out of nginx's rotation before switching it and putting it back once
 * healthy. No request may fail, and once a deployment ends every answer comes from its release.
 */
const APP = 'web';
const LOCAL_TARGETS = ['web-1', 'web-2'];
const SSH_TARGET = 'web-3';
const TARGETS = [...LOCAL_TARGETS, SSH_TARGET];
const RATE = 200;

describe('zero-downtime rollouts behind a real nginx', () => {
  let gantry: TestGantry;
  let nginx: RealNginx;
  let sshd: SshdFixture;
  const roots: Record<string, string> = {};
  const ports: Record<string, number> = {};

  /** With `reload: null`, the environment has no traffic section: Gantry does not touch nginx. */
  function manifest(strategy: string, reload: string | null = nginx.reloadCommand): string {
    const traffic = `{ target: lb, server: "127.0.0.1:\${PORT}", drainDelay: 300ms, nginx: { file: "${nginx.upstreamFile}", upstream: ${nginx.upstream}, test: "${nginx.testCommand}", reload: "${reload}" } }`;
    return webAppManifest({ app: APP, environment: 'prod', targetPorts: ports, targetLabels: { role: 'web' }, strategy, ...(reload === null ? {} : { traffic }) });
  }

  async function release(version: string, strategy: string, reload?: string | null): Promise<void> {
    await gantry.apply(manifest(strategy, reload));
    await gantry.release(APP, version, webAppBuild({ version }));
  }

  /** Runs the deployment under load; returns the load's records, phase `during` while it runs and `after` for a second once it ended. */
  async function underLoad(deploy: (load: LoadRun) => Promise<string>, expectedFailures: 'none' | 'some' = 'none'): Promise<{ records: readonly LoadRecord[]; state: string; reason: string | null }> {
    const load = startLoad({ url: `http://127.0.0.1:${nginx.port}/`, ratePerSecond: RATE, maxDurationMs: 90_000, maxRequests: RATE * 90, phase: 'before', keepAlive: false });
    await new Promise((resolve) => setTimeout(resolve, 500));
    load.mark('during');
    const id = await deploy(load);
    const detail = await gantry.waitFor(id, 60_000);
    await nginx.settle();
    load.mark('after');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const report = await load.stop();
    if (expectedFailures === 'none') expect(report.total.failed, formatReport(report)).toBe(0);
    else expect(report.total.failed, formatReport(report)).toBeGreaterThan(0);
    expect(report.total.sent).toBeGreaterThan(RATE);
    return { records: load.responses(), state: detail.deployment.state, reason: detail.deployment.reason };
  }

  const bodiesAfter = (records: readonly LoadRecord[]) => new Set(records.filter((record) => record.phase === 'after').map((record) => record.body?.split(' on ')[0]));

  beforeAll(async () => {
    [gantry, sshd] = await Promise.all([startTestGantry(), startSshd({ count: 1 })]);
    for (const target of TARGETS) ports[target] = await freePort();
    nginx = await startNginx({ upstream: 'web', initialServers: TARGETS.map((target) => `127.0.0.1:${ports[target]}`) });
    for (const name of LOCAL_TARGETS) {
      roots[name] = mkdtempSync(join(tmpdir(), `gantry-${name}-`));
      await gantry.addTarget({ name, labels: { role: 'web' }, local: { root: roots[name] } });
    }
    const host = sshd.hosts[0]!;
    roots[SSH_TARGET] = host.root;
    await gantry.addTarget({
      name: SSH_TARGET,
      labels: { role: 'web' },
      ssh: { user: host.user, host: host.host, port: host.port, keyPath: sshd.keyPath, knownHostsPath: sshd.knownHostsPath, root: host.root },
    });
    await gantry.addTarget({ name: 'lb', labels: { role: 'lb' }, local: { root: mkdtempSync(join(tmpdir(), 'gantry-lb-')) } });
    // The first release brings the app up (nothing serves yet, so no load).
    await release('1.0.0', '{ type: rolling, batch: 1 }');
    const first = await gantry.waitFor((await gantry.deploy(APP, '1.0.0', 'prod')).deployment.id, 60_000);
    expect(first.deployment.state).toBe('succeeded');
  }, 120_000);

  afterAll(async () => {
    await Promise.all(TARGETS.filter((target) => roots[target]).map((target) => stopWebApp(webAppRunDir(roots[target]!, APP))));
    await nginx?.stop();
    await gantry?.close();
    await sshd?.stop();
  });

  it('rolling: each target leaves the rotation while it restarts, no request fails', async () => {
    await release('2.0.0', '{ type: rolling, batch: 1 }');
    const { records, state } = await underLoad(async () => (await gantry.deploy(APP, '2.0.0', 'prod')).deployment.id);
    expect(state).toBe('succeeded');
    expect(bodiesAfter(records)).toEqual(new Set(['release 2.0.0']));
    const upstream = readFileSync(nginx.upstreamFile, 'utf8');
    expect(upstream).not.toContain(' down;');
    for (const target of TARGETS) expect(upstream).toContain(`127.0.0.1:${ports[target]};`);
  });

  it('canary: one target first, both releases serve during the pause, then all of it', async () => {
    await release('3.0.0', '{ type: canary, steps: [{ targets: 1 }, { pause: {} }, { targets: 2 }] }');
    const { records, state } = await underLoad(async (load) => {
      const id = (await gantry.deploy(APP, '3.0.0', 'prod')).deployment.id;
      await gantry.waitForEvent(id, (event) => event.type === 'deployment:paused');
      await nginx.settle();
      load.mark('paused');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      load.mark('promoted');
      expect((await gantry.api('POST', `/deployments/${id}/promote`)).status).toBe(202);
      return id;
    });
    expect(state).toBe('succeeded');
    const duringPause = new Set(records.filter((record) => record.phase === 'paused').map((record) => record.body?.split(' on ')[0]));
    expect(duringPause).toEqual(new Set(['release 2.0.0', 'release 3.0.0']));
    expect(bodiesAfter(records)).toEqual(new Set(['release 3.0.0']));
  });

  it('abort of a paused canary returns the canary to the old release, no request fails', async () => {
    await release('4.0.0', '{ type: canary, steps: [{ targets: 2 }, { pause: {} }] }');
    const { records, state, reason } = await underLoad(async () => {
      const id = (await gantry.deploy(APP, '4.0.0', 'prod')).deployment.id;
      await gantry.waitForEvent(id, (event) => event.type === 'deployment:paused');
      expect((await gantry.api('POST', `/deployments/${id}/abort`)).status).toBe(202);
      return id;
    });
    expect(state).toBe('rolled_back');
    expect(reason).toContain('aborted on request');
    expect(bodiesAfter(records)).toEqual(new Set(['release 3.0.0']));
  });

  it('a reload that fails leaves the previous configuration serving and fails the rollout before any target is touched', async () => {
    await release('5.0.0', '{ type: rolling, batch: 1 }', 'exit 3');
    const before = readFileSync(nginx.upstreamFile, 'utf8');
    const { records, state, reason } = await underLoad(async () => (await gantry.deploy(APP, '5.0.0', 'prod')).deployment.id);
    expect(state).toBe('rolled_back');
    expect(reason).toContain('TRAFFIC_SWITCH_FAILED');
    expect(readFileSync(nginx.upstreamFile, 'utf8')).toBe(before);
    expect(bodiesAfter(records)).toEqual(new Set(['release 3.0.0']));
  });

  // Last: nginx marks a server that failed unavailable for 10 s (max_fails=1), which would spill into a next test.
  it('control: the same rolling deployment without traffic switching loses requests (the proof can fail)', async () => {
    await release('6.0.0', '{ type: rolling, batch: 1 }', null);
    const { state } = await underLoad(async () => (await gantry.deploy(APP, '6.0.0', 'prod')).deployment.id, 'some');
    expect(state).toBe('succeeded');
  });
});
