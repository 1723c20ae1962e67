import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentTokenDto, TargetDto } from '../../src/protocol/api.js';
import type { NodeDto } from '../../src/protocol/nodes-api.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { httpApi, type HttpApi } from '../support/http-api.js';
import { makeBuildDir } from '../support/release-dirs.js';
import { freePort, startServerProcess, type ServerProcess } from '../support/server-process.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gantry.js');

/** The first attempt of afterInstall waits while the release holds `hold`, so a node can be killed mid-step. */
const MANIFEST = `app: relayed
environments:
  - { name: prod, targets: { tier: relayed } }
hooks:
  afterInstall: 'echo "afterInstall $GANTRY_RELEASE attempt $GANTRY_ATTEMPT" >> ../../runs.log; if [ "$GANTRY_ATTEMPT" = 1 ] && [ -f hold ]; then touch ../../holding; sleep 6; fi'
  afterActivate: 'echo "afterActivate $GANTRY_RELEASE attempt $GANTRY_ATTEMPT" >> ../../runs.log'
`;

/**
 * Steps on an agent connected to another node (issue 7): node A runs every deployment, node B
 * runs none (GANTRY_MAX_DEPLOYMENTS=0) and holds the agent's session, so each command A sends
 * reaches the agent through B. When A is killed mid-step, node C takes the deployment over and
 * reaches the agent through B too; when B is killed, the agent (given every node's URL)
 * reconnects to a surviving node and the step in flight finishes there, its effect once.
 */
describe('agents connected to another node than the one running the deployment', () => {
  let database: TestDatabase;
  let nodeA: ServerProcess;
  let nodeB: ServerProcess | null;
  let env: Record<string, string>;
  /** C's port, known before C starts: the agent is given all three URLs. */
  let portC: number;
  let agent: ChildProcess;
  let agentOutput = '';
  let agentDir: string;
  let version = 0;
  const dirs: string[] = [];
  const api = (): HttpApi => httpApi(nodeA.url, nodeA.token);
  const root = () => join(agentDir, 'apps', 'relayed');
  const runs = () => readFileSync(join(root(), 'runs.log'), 'utf8').split('\n');

  async function target(until: (target: TargetDto) => boolean): Promise<TargetDto> {
    for (let tries = 0; tries < 300; tries++) {
      const answer = await api().api<TargetDto>('GET', '/targets/edge-1');
      if (answer.status === 200 && until(answer.body)) return answer.body;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`the agent never got there: ${agentOutput}`);
  }

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    env = { GANTRY_DATABASE_URL: database.postgresUrl!, GANTRY_MASTER_KEY: randomBytes(32).toString('base64'), GANTRY_AGENT_HEARTBEAT_MS: '300', GANTRY_AGENT_OFFLINE_MS: '10000' };
    for (let index = 0; index < 4; index++) dirs.push(mkdtempSync(join(tmpdir(), 'gantry-relay-')));
    agentDir = dirs[2]!;
    nodeA = await startServerProcess(dirs[0]!, await freePort(), env);
    nodeB = await startServerProcess(dirs[1]!, await freePort(), { ...env, GANTRY_MAX_DEPLOYMENTS: '0' }, nodeA.token);
    const { token } = (await api().api<AgentTokenDto>('POST', '/agent-tokens', { labels: { tier: 'relayed' } })).body;
    portC = await freePort();
    // Enrols with B (the first URL), and knows the other nodes (C starts later).
    agent = spawn(process.execPath, [BIN, 'agent', '--server', `${nodeB.url},${nodeA.url},http://127.0.0.1:${portC}`, '--dir', agentDir, '--name', 'edge-1', '--enrol', token], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GANTRY_TOKEN: '' },
    });
    agent.stdout?.on('data', (chunk: Buffer) => (agentOutput += chunk.toString()));
    agent.stderr?.on('data', (chunk: Buffer) => (agentOutput += chunk.toString()));
    await target((found) => found.online === true);
    await api().apply(MANIFEST);
  });
  afterAll(async () => {
    if (agent && agent.exitCode === null) agent.kill('SIGKILL');
    await nodeB?.stop();
    await nodeA?.stop();
    await database?.drop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  async function releaseAndDeploy(files: Record<string, string>): Promise<{ id: string; name: string }> {
    version += 1;
    const name = `${version}.0.0`;
    await api().release('relayed', name, makeBuildDir({ VERSION: name, ...files }));
    const { deployment } = await api().deploy('relayed', name, 'prod');
    return { id: deployment.id, name };
  }

  it('runs the steps of a deployment on node A through node B, where the agent is connected', async () => {
    const { id, name } = await releaseAndDeploy({});
    const detail = await api().waitFor(id, 60_000);
    expect(detail.deployment.state, JSON.stringify(detail.tasks)).toBe('succeeded');
    expect(readlinkSync(join(root(), 'current'))).toBe(`releases/${name}`);
    expect(runs()).toContain(`afterActivate ${name} attempt 1`);
    // A ran it (B runs nothing); the hook's output came back through the relay into the log.
    const events = await api().events(id);
    const starter = events.find((event) => event.type === 'deployment:started')!.data.owner as string;
    const nodes = (await api().api<{ nodes: NodeDto[] }>('GET', '/nodes')).body.nodes;
    expect(nodes.find((node) => node.url === nodeA.url)?.id).toBe(starter.split('/')[0]);
    expect(agentOutput).toContain(`connected to ${nodeB!.url.replace('http', 'ws')}`);
  });

  it('finishes on a third node a deployment whose node is killed while its step runs on the agent', async () => {
    // C joins; the node running the deployment (A or C) is then killed: the other one takes the
    // deployment over and reaches the agent through B.
    const nodeC = await startServerProcess(dirs[3]!, portC, env, nodeA.token);
    const holding = join(agentDir, 'apps', 'relayed', 'holding');
    rmSync(holding, { force: true });
    const { id, name } = await releaseAndDeploy({ hold: '' });
    for (let tries = 0; tries < 600 && !existsSync(holding); tries++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(existsSync(holding)).toBe(true);
    // A or C runs it (both may claim work): kill that one, and watch through the other.
    const runner = (await api().api<{ nodes: NodeDto[] }>('GET', '/nodes')).body.nodes.find((node) => node.deployments.includes(id));
    expect([nodeA.url, nodeC.url]).toContain(runner?.url);
    const [victim, survivor] = runner?.url === nodeA.url ? [nodeA, nodeC] : [nodeC, nodeA];
    await victim.kill9();
    nodeA = survivor;
    const detail = await api().waitFor(id, 90_000);
    expect(detail.deployment.state, `${JSON.stringify(detail.tasks)}\n${agentOutput}`).toBe('succeeded');
    expect(readlinkSync(join(root(), 'current'))).toBe(`releases/${name}`);
    const events = await api().events(id);
    expect(events.filter((event) => event.type === 'deployment:resumed')).toHaveLength(1);
    // The step cut short ran again as attempt 2 on the agent; the activation ran once.
    expect(runs().filter((line) => line.startsWith(`afterInstall ${name} `))).toEqual([`afterInstall ${name} attempt 1`, `afterInstall ${name} attempt 2`]);
    expect(runs().filter((line) => line.startsWith(`afterActivate ${name} `))).toEqual([`afterActivate ${name} attempt 1`]);
  });

  it('finishes the step after the node holding the agent is killed: the agent reconnects to the other node', async () => {
    const holding = join(agentDir, 'apps', 'relayed', 'holding');
    rmSync(holding, { force: true });
    const { id, name } = await releaseAndDeploy({ hold: '' });
    for (let tries = 0; tries < 600 && !existsSync(holding); tries++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(existsSync(holding)).toBe(true);
    await nodeB!.kill9();
    nodeB = null;
    const detail = await api().waitFor(id, 90_000);
    expect(detail.deployment.state, `${JSON.stringify(detail.tasks)}\n${agentOutput}`).toBe('succeeded');
    expect(readlinkSync(join(root(), 'current'))).toBe(`releases/${name}`);
    // The hook in flight was not run again: the agent answered the redelivered command from its journal.
    expect(runs().filter((line) => line.startsWith(`afterInstall ${name} `))).toEqual([`afterInstall ${name} attempt 1`]);
    expect(runs().filter((line) => line.startsWith(`afterActivate ${name} `))).toEqual([`afterActivate ${name} attempt 1`]);
    expect(agentOutput).toContain(`connected to ${nodeA.url.replace('http', 'ws')}`);
  });
});
