/**
 * Deployments reaching real `gantry agent` processes (and real sshd hosts) in one environment,
 * and what happens when an agent dies or restarts in the middle of a step.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentTokenDto, FactChangeDto, LogLineDto } from '../../src/protocol/api.js';
import { startAgent, UNPRIVILEGED, waitForTarget, type AgentProcess } from '../support/agent-process.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { makeBuildDir } from '../support/release-dirs.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';

const AGENTS = ['agent-1', 'agent-2', 'agent-3'];
const UNPRIVILEGED_AGENT = 'agent-3';
const asRoot = process.getuid?.() === 0;
const SSH = ['ssh-1', 'ssh-2'];
/** A sleep no other test runs, so its processes can be found by their command line. */
const PAUSE = '31.7';

function manifest(port: number, pauseOn: string | null, pause = PAUSE): string {
  return `app: web
environments:
  - { name: mixed, targets: { tier: mixed } }
variables:
  HEALTH_PORT: "${port}"
  PAUSE: { default: "0"${pauseOn ? `, targets: { ${pauseOn}: "${pause}" }` : ''} }
config:
  - { template: config.tmpl, path: config.txt }
hooks:
  beforeActivate: 'echo "switching $GANTRY_TARGET"; sleep "$PAUSE"'
  afterActivate: 'echo "$GANTRY_TARGET on $GANTRY_RELEASE" > ../../activated.txt; env > ../../hook-env.txt'
health:
  - http: { url: "http://127.0.0.1:\${HEALTH_PORT}/health" }
    retries: 1
    interval: 100ms
    timeout: 2s
  - tcp: { port: "\${HEALTH_PORT}" }
strategy: { type: rolling, batch: 2, maxFailures: 0, onFailure: rollback }
`;
}

function pausedSleeps(): number[] {
  try {
    return execFileSync('pgrep', ['-f', `^sleep ${PAUSE}$`], { encoding: 'utf8' }).trim().split('\n').map(Number);
  } catch {
    return [];
  }
}

describe('deploying to agents and SSH hosts in one environment', () => {
  let gantry: TestGantry;
  let sshd: SshdFixture;
  let health: Server;
  let port: number;
  let version = 0;
  const agents = new Map<string, AgentProcess>();
  const dirs = new Map<string, string>();
  const tokens = new Map<string, string>();
  const shimDir = mkdtempSync(join(tmpdir(), 'gantry-dpkg-shim-'));

  /** Where each target's `web/current` link is. */
  const currentOf = (target: string): string => {
    const root = dirs.has(target) ? join(dirs.get(target)!, 'apps') : sshd.hosts[SSH.indexOf(target)]!.root;
    return readlinkSync(join(root, 'web', 'current'));
  };
  const run = (name: string, args: string[]): AgentProcess => {
    // dpkg-query is this shim, so the test can change the "installed packages" the agent reports.
    // agent-3 runs as an unprivileged user, in its own directory.
    const agent = startAgent(gantry, [...args, '--dir', dirs.get(name)!, '--facts-interval', '1s'], { PATH: `${shimDir}:${process.env.PATH}` }, { unprivileged: name === UNPRIVILEGED_AGENT });
    agents.set(name, agent);
    return agent;
  };

  beforeAll(async () => {
    writeFileSync(join(shimDir, 'packages'), 'install ok installed\topenssl\t3.0.1\n');
    writeFileSync(join(shimDir, 'dpkg-query'), `#!/bin/sh\ncat ${join(shimDir, 'packages')}\n`);
    chmodSync(join(shimDir, 'dpkg-query'), 0o755);
    chmodSync(shimDir, 0o755);
    [gantry, sshd] = await Promise.all([startTestGantry({ env: { GANTRY_AGENT_HEARTBEAT_MS: '300', GANTRY_AGENT_OFFLINE_MS: '2500' } }), startSshd({ count: SSH.length })]);
    health = createServer((_request, response) => response.end('ok'));
    await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', resolve));
    port = (health.address() as { port: number }).port;
    for (const [index, name] of SSH.entries()) {
      const host = sshd.hosts[index]!;
      await gantry.addTarget({ name, labels: { tier: 'mixed' }, ssh: { user: host.user, host: host.host, port: host.port, keyPath: sshd.keyPath, knownHostsPath: sshd.knownHostsPath, root: host.root } });
    }
    for (const name of AGENTS) {
      const { token } = (await gantry.api<AgentTokenDto>('POST', '/agent-tokens', { labels: { tier: 'mixed' } })).body;
      tokens.set(name, token);
      dirs.set(name, mkdtempSync(join(tmpdir(), `gantry-${name}-`)));
      if (name === UNPRIVILEGED_AGENT && asRoot) chownSync(dirs.get(name)!, UNPRIVILEGED.uid, UNPRIVILEGED.gid);
      run(name, ['--enrol', token, '--name', name]);
    }
    for (const name of AGENTS) await waitForTarget(gantry, name, (target) => target.online === true);
  });
  afterAll(async () => {
    for (const agent of agents.values()) if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
    await gantry?.close();
    await sshd?.stop();
    health?.close();
    for (const pid of pausedSleeps()) process.kill(pid, 'SIGKILL');
  });

  async function release(pauseOn: string | null = null, pause = PAUSE): Promise<string> {
    version += 1;
    await gantry.apply(manifest(port, pauseOn, pause));
    await gantry.release('web', `${version}.0`, makeBuildDir({ 'config.tmpl': 'port={{ HEALTH_PORT }}\n', 'index.html': `v${version}` }));
    return `${version}.0`;
  }

  it('rolls a release out across agents and SSH hosts, with the same layout, config, hooks, health checks and live logs', async () => {
    for (let round = 0; round < 2; round++) {
      const name = await release();
      const detail = await gantry.waitFor((await gantry.deploy('web', name, 'mixed')).deployment.id);
      expect(detail.deployment.state, JSON.stringify(detail.tasks)).toBe('succeeded');
      expect(detail.deployment.batches).toEqual([['agent-1', 'agent-2'], ['agent-3', 'ssh-1'], ['ssh-2']]);
      for (const target of [...AGENTS, ...SSH]) expect(currentOf(target)).toBe(`releases/${name}`);
      for (const target of AGENTS) {
        const apps = join(dirs.get(target)!, 'apps', 'web');
        expect(readFileSync(join(apps, 'releases', name, 'config.txt'), 'utf8')).toBe(`port=${port}\n`);
        expect(readFileSync(join(apps, 'activated.txt'), 'utf8')).toBe(`${target} on ${name}\n`);
        // Hooks see neither the enrolment token nor the agent's environment.
        const hookEnv = readFileSync(join(apps, 'hook-env.txt'), 'utf8');
        expect(hookEnv).not.toContain(tokens.get(target)!);
        expect(hookEnv).not.toContain('GANTRY_ENROL_TOKEN');
        expect(hookEnv).toContain(`GANTRY_TARGET=${target}`);
        // The agent's hooks run as the agent's own user.
        if (target === UNPRIVILEGED_AGENT && asRoot) expect(statSync(join(apps, 'activated.txt')).uid).toBe(UNPRIVILEGED.uid);
      }
      const logs = (await gantry.api<{ logs: LogLineDto[] }>('GET', `/deployments/${detail.deployment.id}/logs`)).body.logs;
      expect(logs).toContainEqual(expect.objectContaining({ target: 'agent-2', step: 'beforeActivate', stream: 'stdout', text: expect.stringContaining('switching agent-2') }));
      expect(logs.some((line) => line.target === 'agent-3' && line.step === 'health' && line.text.includes('passed'))).toBe(true);
      if (round === 1) expect(detail.tasks.every((task) => task.previousVersion === '1.0')).toBe(true);
    }
  });

  it('fails the step of an agent killed mid-step once it has been offline past the timeout, and rolls back per the strategy', async () => {
    const before = currentOf('agent-1');
    const name = await release('agent-2');
    const { id } = (await gantry.deploy('web', name, 'mixed')).deployment;
    await gantry.waitForEvent(id, (event) => event.type === 'task:step-started' && event.target === 'agent-2' && event.data.step === 'beforeActivate');
    await waitFor(() => pausedSleeps().length === 1);
    agents.get('agent-2')!.child.kill('SIGKILL');
    const detail = await gantry.waitFor(id);
    expect(detail.deployment.state).toBe('rolled_back');
    const task = (target: string) => detail.tasks.find((t) => t.target === target)!;
    expect(task('agent-2')).toMatchObject({ state: 'failed', error: { code: 'TARGET_UNREACHABLE', message: expect.stringContaining('went offline') } });
    expect(['rolled_back', 'skipped']).toContain(task('agent-1').state);
    for (const target of ['agent-3', 'ssh-1', 'ssh-2']) expect(task(target).state).toBe('skipped');
    for (const target of [...AGENTS, ...SSH]) expect(currentOf(target)).toBe(before);
    expect((await waitForTarget(gantry, 'agent-2', (t) => t.online === false)).online).toBe(false);

    // Back up: the agent finds the attempt it was running when it died, and stops what it left behind.
    run('agent-2', []);
    await waitForTarget(gantry, 'agent-2', (t) => t.online === true);
    await waitFor(() => pausedSleeps().length === 0);
    expect(agents.get('agent-2')!.output()).toMatch(/interrupted/);
  });

  it('reports an attempt interrupted by an agent restart at once, without waiting for the offline timeout', async () => {
    const name = await release('agent-1');
    const { id } = (await gantry.deploy('web', name, 'mixed')).deployment;
    await gantry.waitForEvent(id, (event) => event.type === 'task:step-started' && event.target === 'agent-1' && event.data.step === 'beforeActivate');
    await waitFor(() => pausedSleeps().length === 1);
    const old = agents.get('agent-1')!;
    old.child.kill('SIGKILL');
    await old.exited;
    run('agent-1', []);
    const detail = await gantry.waitFor(id);
    expect(detail.deployment.state).toBe('rolled_back');
    expect(detail.tasks.find((t) => t.target === 'agent-1')).toMatchObject({ state: 'failed', error: { code: 'STEP_FAILED', message: expect.stringContaining('interrupted') } });
    // The restarted agent ends the orphaned hook; on a loaded machine that may land just after the report.
    await waitFor(() => pausedSleeps().length === 0);
  });

  it('after a partition longer than the offline timeout, the step has failed and the late result is refused', async () => {
    const name = await release('agent-3', '4');
    const { id } = (await gantry.deploy('web', name, 'mixed')).deployment;
    await gantry.waitForEvent(id, (event) => event.type === 'task:step-started' && event.target === 'agent-3' && event.data.step === 'beforeActivate');
    const agent = agents.get('agent-3')!;
    // A frozen agent is a partition: no heartbeats, no results; its hook runs on meanwhile.
    agent.child.kill('SIGSTOP');
    const detail = await gantry.waitFor(id);
    agent.child.kill('SIGCONT');
    expect(detail.tasks.find((t) => t.target === 'agent-3')).toMatchObject({ state: 'failed', error: { code: 'TARGET_UNREACHABLE' } });
    expect(detail.deployment.state).toBe('rolled_back');
    await waitFor(() => /the server refused the result of \S+beforeActivate\S+: too late/.test(agent.output()));
    await waitForTarget(gantry, 'agent-3', (t) => t.online === true);
  });

  it('cancelling a deployment kills the hook running on an agent, process tree and all', async () => {
    const name = await release('agent-2');
    const { id } = (await gantry.deploy('web', name, 'mixed')).deployment;
    await gantry.waitForEvent(id, (event) => event.type === 'task:step-started' && event.target === 'agent-2' && event.data.step === 'beforeActivate');
    await waitFor(() => pausedSleeps().length === 1);
    expect((await gantry.api('POST', `/deployments/${id}/cancel`)).status).toBe(202);
    const detail = await gantry.waitFor(id);
    expect(detail.deployment.state).toBe('cancelled');
    expect(pausedSleeps()).toEqual([]);
  });

  it('reports a package change in the fact history', async () => {
    const target = await waitForTarget(gantry, 'agent-3', (t) => t.facts !== null);
    expect(target.facts?.packages).toContainEqual({ name: 'openssl', version: '3.0.1' });
    writeFileSync(join(shimDir, 'packages'), 'install ok installed\topenssl\t3.0.2\n');
    await waitFor(async () => (await waitForTarget(gantry, 'agent-3', () => true)).facts?.packages.some((p) => p.version === '3.0.2') === true);
    const changes = (await gantry.api<{ changes: FactChangeDto[] }>('GET', '/targets/agent-3/facts/history')).body.changes;
    expect(changes.flatMap((change) => change.changes)).toContainEqual({ path: 'packages.openssl', from: '3.0.1', to: '3.0.2' });
  });
});

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
