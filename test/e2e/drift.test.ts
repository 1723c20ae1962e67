import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { AgentTokenDto, DeploymentDetailDto, TargetDto } from '../../src/protocol/api.js';
import type { DriftRecordDto, DriftRemediationDto } from '../../src/protocol/drift-api.js';
import { captureIo } from '../cli/fake-server.js';
import { startAgent, waitForTarget, type AgentProcess } from '../support/agent-process.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { makeBuildDir } from '../support/release-dirs.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';

/**
 * Configuration drift on a real SSH target (issue 9): a release with a rendered config file and a
 * hook that creates files drift.ignore leaves out is in sync after its deployment; a file edited,
 * one added and one deleted by hand in the release directory are listed as changed, added and
 * removed, first seen at the first check (kept at the next), flagged as an unauthorised change; a
 * further edit while a deployment of the app is under way is explained by it; remediation redeploys
 * the live release through the normal path, after which the target is in sync again; a target
 * that cannot be reached is unknown, never in sync.
 */
for (const dialect of DIALECTS) describe(`configuration drift on a real SSH target (store: ${dialect})`, () => {
  let database: TestDatabase;
  let sshd: SshdFixture;
  let sshdRunning = false;
  let gantry: TestGantry;
  const gate = join(mkdtempSync(join(tmpdir(), 'gantry-drift-gate-')), 'open');

  const manifest = (blockingHook: boolean) => `app: site
environments:
  - { name: prod, targets: { tier: web } }
variables:
  PORT: "8080"
config:
  - { template: config.tmpl, path: config/app.conf }
hooks:
  afterInstall: 'mkdir -p node_modules/dep && echo built > node_modules/dep/index.js'
${blockingHook ? `  beforeInstall: 'i=0; while [ ! -f ${gate} ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done'\n` : ''}drift:
  ignore: ["node_modules/**"]
strategy: { type: allAtOnce }
`;
  const releaseDir = (version: string) => join(sshd.hosts[0]!.root, 'site', 'releases', version);
  const cli = async (...args: string[]) => {
    const io = captureIo();
    const code = await main(['node', 'gantry', ...args, '--url', gantry.url, '--token', gantry.token], { ...io, env: {} });
    return { code, out: io.out(), err: io.err() };
  };
  const checkJson = async (...args: string[]): Promise<DriftRecordDto[]> => {
    const result = await cli('drift', ...args, '--check', '--all', '--json');
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    return (JSON.parse(result.out) as { drift: DriftRecordDto[] }).drift;
  };
  async function waitForState(id: string, states: readonly string[]): Promise<DeploymentDetailDto> {
    for (let waited = 0; waited < 30_000; waited += 100) {
      const detail = (await gantry.api<DeploymentDetailDto>('GET', `/deployments/${id}`)).body;
      if (states.includes(detail.deployment.state)) return detail;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`deployment ${id} did not reach ${states.join('/')} within 30s`);
  }

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    [sshd, gantry] = await Promise.all([startSshd({ count: 1 }), startTestGantry(database.postgresUrl ? { postgresUrl: database.postgresUrl } : {})]);
    sshdRunning = true;
    const host = sshd.hosts[0]!;
    const added = await gantry.api<TargetDto>('POST', '/targets', {
      name: 'web-1',
      labels: { tier: 'web' },
      ssh: { user: host.user, host: host.host, port: host.port, keyPath: sshd.keyPath, knownHostsPath: sshd.knownHostsPath, root: host.root },
    });
    expect(added.status).toBe(201);
    await gantry.apply(manifest(false));
    await gantry.release('site', '1.0', makeBuildDir({ 'index.html': '<h1>v1</h1>\n', 'app.js': 'start()\n', 'config.tmpl': 'port={{ PORT }}\n' }));
    const deployed = await gantry.waitFor((await gantry.deploy('site', '1.0', 'prod')).deployment.id);
    expect(deployed.deployment.state).toBe('succeeded');
  });
  afterAll(async () => {
    await gantry?.close();
    if (sshdRunning) await sshd?.stop();
    await database?.drop();
    rmSync(join(gate, '..'), { recursive: true, force: true });
  });

  it('finds the live release as Gantry put it there: in sync, the files its hook made left out', async () => {
    expect(readFileSync(join(releaseDir('1.0'), 'config', 'app.conf'), 'utf8')).toBe('port=8080\n');
    expect(existsSync(join(releaseDir('1.0'), 'node_modules', 'dep', 'index.js'))).toBe(true);
    const [record] = await checkJson('prod');
    expect(record).toMatchObject({ target: 'web-1', app: 'site', environment: 'prod', version: '1.0', state: 'in_sync', changed: [], added: [], removed: [], firstSeenAt: null, unauthorised: false });
    expect((await cli('drift', 'prod')).out).toContain('1 live release checked: 0 drifted, 0 unknown, 1 in sync');
  });

  let firstSeenAt: string | null = null;

  it('lists a file edited, one added and one deleted by hand, first seen at the first check, as an unauthorised change', async () => {
    writeFileSync(join(releaseDir('1.0'), 'index.html'), '<h1>hacked</h1>\n');
    writeFileSync(join(releaseDir('1.0'), 'backdoor.sh'), 'nc -l 4444\n');
    rmSync(join(releaseDir('1.0'), 'app.js'));
    const [record] = await checkJson('prod');
    expect(record).toMatchObject({ state: 'drifted', changed: ['index.html'], added: ['backdoor.sh'], removed: ['app.js'], unauthorised: true, explanation: 'no deployment or change explains it', reason: null });
    firstSeenAt = record!.firstSeenAt;
    expect(firstSeenAt).not.toBeNull();

    const again = await cli('drift', 'prod', '--check');
    expect(again.code).toBe(0);
    expect(again.out).toContain(`web-1  site 1.0  prod  drifted, first seen ${firstSeenAt}`);
    expect(again.out).toContain('UNAUTHORISED CHANGE: no deployment or change explains it');
    expect(again.out).toMatch(/changed +index\.html/);
    expect(again.out).toMatch(/added +backdoor\.sh/);
    expect(again.out).toMatch(/removed +app\.js/);
    expect(again.out).toContain('1 live release checked: 1 drifted (1 unauthorised), 0 unknown, 0 in sync');
    // The stored result is what `gantry drift` shows without checking; the drift is still the one first seen.
    const stored = (await gantry.api<{ drift: DriftRecordDto[] }>('GET', '/drift?environment=prod')).body.drift;
    expect(stored).toMatchObject([{ state: 'drifted', firstSeenAt, unauthorised: true }]);
    expect((await gantry.api<{ drift: DriftRecordDto[] }>('GET', '/drift?environment=staging')).body.drift).toEqual([]);
  });

  it('explains a further change made while a deployment of the app is under way', async () => {
    await gantry.apply(manifest(true));
    await gantry.release('site', '1.1', makeBuildDir({ 'index.html': '<h1>v1.1</h1>\n', 'app.js': 'start()\n', 'config.tmpl': 'port={{ PORT }}\n' }));
    const id = (await gantry.deploy('site', '1.1', 'prod')).deployment.id;
    await waitForState(id, ['running']);
    writeFileSync(join(releaseDir('1.0'), 'config', 'app.conf'), 'port=9090\n');
    const [record] = await checkJson('prod');
    expect(record).toMatchObject({ version: '1.0', state: 'drifted', changed: ['config/app.conf', 'index.html'], unauthorised: false, explanation: `explained by deployment ${id}, running when the drift was seen`, firstSeenAt });
    writeFileSync(gate, '');
    expect((await gantry.waitFor(id)).deployment.state).toBe('succeeded');
    // The deployment made 1.1 live: that is what is checked now, and it is as deployed.
    expect(await checkJson('prod')).toMatchObject([{ version: '1.1', state: 'in_sync', firstSeenAt: null }]);
  });

  it('remediates by redeploying the live release through the normal path, after which the target is in sync', async () => {
    writeFileSync(join(releaseDir('1.1'), 'index.html'), '<h1>edited again</h1>\n');
    writeFileSync(join(releaseDir('1.1'), 'extra.txt'), 'x\n');
    rmSync(join(releaseDir('1.1'), 'config', 'app.conf'));
    expect(await checkJson('--target', 'web-1')).toMatchObject([{ version: '1.1', state: 'drifted', changed: ['index.html'], added: ['extra.txt'], removed: ['config/app.conf'], unauthorised: true }]);

    const remediated = await cli('drift', 'remediate', 'prod', '--json');
    expect(remediated.err).toBe('');
    const { deployments } = JSON.parse(remediated.out) as DriftRemediationDto;
    expect(deployments.map(({ deployment }) => [deployment.app, deployment.version, deployment.environment, deployment.kind])).toEqual([['site', '1.1', 'prod', 'deploy']]);
    expect((await gantry.waitFor(deployments[0]!.deployment.id)).deployment.state).toBe('succeeded');
    expect(readFileSync(join(releaseDir('1.1'), 'index.html'), 'utf8')).toBe('<h1>v1.1</h1>\n');
    expect(await checkJson('prod')).toMatchObject([{ version: '1.1', state: 'in_sync', changed: [], added: [], removed: [], firstSeenAt: null }]);
    expect((await cli('drift', 'remediate', 'prod')).out).toContain('nothing to remediate');
    expect((await cli('drift', 'remediate')).err).toContain('error[REQUEST_INVALID]: name an environment or --target to remediate');
  });

  it('compares the packages the release declares with what the target reports (probed over SSH)', async () => {
    await gantry.apply(`${manifest(false)}packages: [bash, { name: bash, minVersion: "1.0" }, gantry-no-such-package]\n`);
    await gantry.release('site', '1.2', makeBuildDir({ 'index.html': '<h1>v1.2</h1>\n', 'app.js': 'start()\n', 'config.tmpl': 'port={{ PORT }}\n' }));
    expect((await gantry.waitFor((await gantry.deploy('site', '1.2', 'prod')).deployment.id)).deployment.state).toBe('succeeded');
    // Without a package report there is nothing to compare them with.
    expect(await checkJson('prod')).toMatchObject([{ version: '1.2', state: 'in_sync', packages: [] }]);
    expect((await gantry.api('POST', '/targets/web-1/probe')).status).toBe(200);
    expect(await checkJson('prod')).toMatchObject([{ version: '1.2', state: 'drifted', changed: [], added: [], removed: [], packages: ['gantry-no-such-package is not installed'], unauthorised: true }]);
    expect((await cli('drift', 'prod')).out).toContain('package  gantry-no-such-package is not installed');
  });

  it('reports a target that cannot be reached as unknown, with the reason, never in sync', async () => {
    await sshd.stop();
    sshdRunning = false;
    const [record] = await checkJson('prod');
    // What was last known (the missing package) stays on show, marked unknown.
    expect(record).toMatchObject({ target: 'web-1', state: 'unknown', packages: ['gantry-no-such-package is not installed'] });
    expect(record!.reason).toMatch(/^error\[TARGET_UNREACHABLE\]/);
    const shown = await cli('drift', 'prod');
    expect(shown.out).toContain('UNKNOWN: error[TARGET_UNREACHABLE]');
    expect(shown.out).toContain('0 drifted, 1 unknown, 0 in sync');
  });
});

/** The same check on a real agent: the agent lists its release directory itself, through the session deployments use. */
describe('configuration drift on a real agent', () => {
  let gantry: TestGantry;
  let agent: AgentProcess;
  const dir = mkdtempSync(join(tmpdir(), 'gantry-drift-agent-'));
  const releaseDir = join(dir, 'apps', 'kiosk', 'releases', '1.0');
  const check = async () => (await gantry.api<{ drift: DriftRecordDto[] }>('POST', '/drift/check', { environment: 'field' })).body.drift;

  beforeAll(async () => {
    gantry = await startTestGantry({ env: { GANTRY_AGENT_HEARTBEAT_MS: '300', GANTRY_AGENT_OFFLINE_MS: '1500' } });
    const { token } = (await gantry.api<AgentTokenDto>('POST', '/agent-tokens', { labels: { tier: 'edge' } })).body;
    agent = startAgent(gantry, ['--enrol', token, '--dir', dir, '--name', 'edge-a']);
    await waitForTarget(gantry, 'edge-a', (target) => target.online === true);
    await gantry.apply('app: kiosk\nenvironments:\n  - { name: field, targets: { tier: edge } }\nconfig:\n  - { template: settings.tmpl, path: settings.ini }\nstrategy: { type: allAtOnce }\n');
    await gantry.release('kiosk', '1.0', makeBuildDir({ 'index.html': 'kiosk\n', 'settings.tmpl': 'mode=field\n' }));
    expect((await gantry.waitFor((await gantry.deploy('kiosk', '1.0', 'field')).deployment.id)).deployment.state).toBe('succeeded');
  });
  afterAll(async () => {
    if (agent?.child.exitCode === null) agent.child.kill('SIGKILL');
    await gantry?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is in sync as deployed, drifted after an edit, unknown once the agent is gone', async () => {
    expect(await check()).toMatchObject([{ target: 'edge-a', app: 'kiosk', version: '1.0', state: 'in_sync' }]);
    writeFileSync(join(releaseDir, 'settings.ini'), 'mode=debug\n');
    expect(await check()).toMatchObject([{ state: 'drifted', changed: ['settings.ini'], added: [], removed: [], unauthorised: true }]);
    agent.child.kill('SIGKILL');
    await agent.exited;
    await waitForTarget(gantry, 'edge-a', (target) => target.online === false);
    const [record] = await check();
    expect(record).toMatchObject({ state: 'unknown', changed: ['settings.ini'] });
    expect(record!.reason).toMatch(/^error\[TARGET_UNREACHABLE\]: agent edge-a is offline/);
  });
});
