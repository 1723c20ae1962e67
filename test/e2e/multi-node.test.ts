import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { EventDto, QueuedDeploymentDto } from '../../src/protocol/api.js';
import type { NodeDto } from '../../src/protocol/nodes-api.js';
import { captureIo } from '../cli/fake-server.js';
import { createTestDatabase, POSTGRES_ADMIN_URL, type TestDatabase } from '../support/databases.js';
import { httpApi, type HttpApi } from '../support/http-api.js';
import { makeBuildDir } from '../support/release-dirs.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';
import { freePort, startServerProcess, type ServerProcess } from '../support/server-process.js';

/** Two local targets and one reached over SSH (a real sshd on loopback). */
const TARGETS = ['t-1', 't-2', 'ssh-1'];

/**
 * Each hook run is appended to the target's runs.log. On t-2 the first attempt of afterInstall
 * waits as many seconds as the release's `hold` file says, so the node running it can be killed
 * mid-step.
 */
const MANIFEST = `app: shared
environments:
  - { name: prod, targets: { app: shared } }
hooks:
  afterInstall: 'echo "afterInstall $GANTRY_RELEASE attempt $GANTRY_ATTEMPT" >> ../../runs.log; if [ "$GANTRY_TARGET" = t-2 ] && [ "$GANTRY_ATTEMPT" = 1 ] && [ -f hold ]; then touch ../../holding; sleep "$(cat hold)"; fi'
  afterActivate: 'echo "afterActivate $GANTRY_RELEASE attempt $GANTRY_ATTEMPT" >> ../../runs.log'
strategy: { type: rolling, batch: 1, maxFailures: 0 }
`;

/**
 * Three `gantry serve` processes on one PostgreSQL (issue 7): they start together on an empty
 * database, any of them serves any request, a deployment whose node is killed with SIGKILL
 * finishes on another with every step's effect once, and concurrent deploys spread over the
 * nodes run one at a time, each once.
 */
describe('several nodes on one PostgreSQL', () => {
  let database: TestDatabase;
  let sshd: SshdFixture;
  const dataDirs: string[] = [];
  const ports: number[] = [];
  const nodes: (ServerProcess | null)[] = [null, null, null];
  let token = '';
  const roots: Record<string, string> = {};
  let version = 0;

  /** Every node needs the same master key (the secrets in the shared database are sealed with it). */
  const masterKey = randomBytes(32).toString('base64');
  const env = () => ({ GANTRY_DATABASE_URL: database.postgresUrl!, GANTRY_MASTER_KEY: masterKey });
  const api = (index: number): HttpApi => httpApi(nodes[index]!.url, token);
  /** Any node still running. */
  const anyApi = (): HttpApi => api(nodes.findIndex((node) => node !== null));
  const runsOf = (target: string) => readFileSync(join(roots[target]!, 'shared', 'runs.log'), 'utf8').split('\n');

  async function start(index: number): Promise<void> {
    nodes[index] = await startServerProcess(dataDirs[index]!, ports[index]!, env(), token);
  }

  /**
   * The nodes as node `index` lists them, once `match` holds (bounded wait): a node answers
   * /healthz a moment before its own row is written, and a restarted one beats a moment later.
   */
  async function nodesSeenBy(index: number, match: (listed: NodeDto[]) => boolean): Promise<NodeDto[]> {
    let listed: NodeDto[] = [];
    for (let tries = 0; tries < 200; tries++) {
      const answer = await api(index).api<{ nodes: NodeDto[] }>('GET', '/nodes');
      if (answer.status === 200) {
        listed = answer.body.nodes;
        if (match(listed)) break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return listed;
  }
  const allUp = (listed: NodeDto[]) => listed.length === 3 && listed.every((node) => node.state === 'up');

  /** `gantry …` in-process against node `index`, as a user would run it. */
  async function cli(index: number, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
    const io = captureIo();
    const code = await main(['node', 'gantry', ...args, '--url', nodes[index]!.url, '--token', token], { ...io, env: {} });
    return { code, out: io.out(), err: io.err() };
  }

  /** /healthz of node `index` once it answers `status` (bounded wait). */
  async function healthOf(index: number, status: number): Promise<{ status: number; body: unknown }> {
    let answer = { status: 0, body: undefined as unknown };
    for (let tries = 0; tries < 200 && answer.status !== status; tries++) {
      if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      const response = await fetch(`${nodes[index]!.url}/healthz`);
      answer = { status: response.status, body: await response.json() };
    }
    return answer;
  }

  /** The node that holds the deployment's lease now (bounded wait). */
  async function holderOf(id: string): Promise<number> {
    for (let tries = 0; tries < 200; tries++) {
      const listed = (await anyApi().api<{ nodes: NodeDto[] }>('GET', '/nodes')).body.nodes;
      const holder = listed.find((node) => node.deployments.includes(id));
      if (holder) return nodes.findIndex((node) => node !== null && node.url === holder.url);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`no node holds ${id}`);
  }

  async function releaseAndDeploy(through: number, files: Record<string, string>): Promise<{ id: string; name: string }> {
    version += 1;
    const name = `${version}.0.0`;
    await api(through).release('shared', name, makeBuildDir({ VERSION: name, ...files }));
    const { deployment } = await api((through + 1) % 3).deploy('shared', name, 'prod');
    return { id: deployment.id, name };
  }

  function expectEachStepOnce(events: readonly EventDto[]): void {
    for (const target of TARGETS) {
      expect(events.filter((event) => event.type === 'task:succeeded' && event.target === target), target).toHaveLength(1);
      expect(events.filter((event) => event.type === 'task:started' && event.target === target), target).toHaveLength(1);
    }
    expect(events.filter((event) => event.type === 'deployment:succeeded')).toHaveLength(1);
  }

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    for (let index = 0; index < 3; index++) {
      dataDirs.push(mkdtempSync(join(tmpdir(), `gantry-node-${index}-`)));
      ports.push(await freePort());
    }
    sshd = await startSshd({ count: 1 });
    for (const target of TARGETS) roots[target] = target === 'ssh-1' ? sshd.hosts[0]!.root : mkdtempSync(join(tmpdir(), `gantry-${target}-`));
    // All three start at once on the empty database: one migrates while the others wait; the
    // first admin token is written by whichever created it.
    const started = await Promise.all([0, 1, 2].map((index) => startServerProcess(dataDirs[index]!, ports[index]!, env(), '')));
    started.forEach((node, index) => (nodes[index] = node));
    const tokenFile = dataDirs.map((dir) => join(dir, 'admin.token')).find((path) => existsSync(path));
    token = readFileSync(tokenFile!, 'utf8').trim();
    for (const target of ['t-1', 't-2']) await api(0).addTarget({ name: target, labels: { app: 'shared' }, local: { root: roots[target] } });
    const host = sshd.hosts[0]!;
    await api(2).addTarget({ name: 'ssh-1', labels: { app: 'shared' }, ssh: { user: host.user, host: host.host, port: host.port, keyPath: sshd.keyPath, knownHostsPath: sshd.knownHostsPath, root: host.root } });
    await api(1).apply(MANIFEST);
  }, 120_000);
  // A test that failed after killing a node does not leave the next one a node short.
  beforeEach(async () => {
    for (let index = 0; index < 3; index++) if (nodes[index] === null) await start(index);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(nodes.map((node) => node?.stop()));
    await database?.drop();
    await sshd?.stop();
    for (const dir of [...dataDirs, roots['t-1'], roots['t-2']]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('starts three nodes at once on an empty database, each seeing all three', async () => {
    // Started together in beforeAll (so a failure here does not take the later tests with it).
    for (let index = 0; index < 3; index++) {
      const listed = await nodesSeenBy(index, allUp);
      expect(listed.map((node) => node.state)).toEqual(['up', 'up', 'up']);
      expect(listed.map((node) => node.url).sort()).toEqual(nodes.map((node) => node!.url).sort());
    }
  });

  it('finishes on another node a deployment whose node is killed mid-step, running each step once', async () => {
    const { id, name } = await releaseAndDeploy(0, { hold: '8' });
    const holding = join(roots['t-2']!, 'shared', 'holding');
    for (let tries = 0; tries < 600 && !existsSync(holding); tries++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(existsSync(holding)).toBe(true);
    const victim = await holderOf(id);
    await nodes[victim]!.kill9();
    nodes[victim] = null;

    const detail = await anyApi().waitFor(id, 90_000);
    expect(detail.deployment.state).toBe('succeeded');
    for (const target of TARGETS) expect(readlinkSync(join(roots[target]!, 'shared', 'current'))).toBe(`releases/${name}`);
    const events = await anyApi().events(id);
    expectEachStepOnce(events);
    expect(events.some((event) => event.type === 'deployment:resumed')).toBe(true);
    // The interrupted hook ran again as attempt 2; everything else ran exactly once.
    expect(runsOf('t-2').filter((line) => line.startsWith(`afterInstall ${name} `))).toEqual([`afterInstall ${name} attempt 1`, `afterInstall ${name} attempt 2`]);
    for (const target of TARGETS) expect(runsOf(target).filter((line) => line.startsWith(`afterActivate ${name} `)), target).toEqual([`afterActivate ${name} attempt 1`]);

    // The killed node stops beating and is shown so; it comes back under its own id.
    for (let tries = 0; tries < 100; tries++) {
      const states = (await anyApi().api<{ nodes: NodeDto[] }>('GET', '/nodes')).body.nodes.map((node) => node.state);
      if (states.includes('unresponsive')) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await anyApi().api<{ nodes: NodeDto[] }>('GET', '/nodes')).body.nodes.map((node) => node.state).sort()).toEqual(['unresponsive', 'up', 'up']);
    await start(victim);
    expect((await nodesSeenBy(victim, allUp)).map((node) => node.state)).toEqual(['up', 'up', 'up']);
  }, 150_000);

  it('finishes a deployment whose node is killed between batches without redoing the finished batch', async () => {
    const { id, name } = await releaseAndDeploy(1, {});
    await anyApi().waitForEvent(id, (event) => event.type === 'batch:finished' && event.data.batch === 0);
    const victim = await holderOf(id).catch(() => -1);
    if (victim >= 0) {
      await nodes[victim]!.kill9();
      nodes[victim] = null;
    }
    const detail = await anyApi().waitFor(id, 90_000);
    expect(detail.deployment.state).toBe('succeeded');
    expectEachStepOnce(await anyApi().events(id));
    // The finished batch (t-1) is not done again; a step cut short later may run again, its effect still once.
    expect(runsOf('t-1').filter((line) => line.startsWith(`afterInstall ${name} `))).toEqual([`afterInstall ${name} attempt 1`]);
    for (const target of TARGETS) expect(runsOf(target).filter((line) => line.startsWith(`afterActivate ${name} attempt 1`)), target).toHaveLength(1);
    if (victim >= 0) await start(victim);
  }, 150_000);

  it('stops a step run by one node when the cancel is sent to another', async () => {
    const { id } = await releaseAndDeploy(2, { hold: '30' });
    const holding = join(roots['t-2']!, 'shared', 'holding');
    rmSync(holding, { force: true });
    for (let tries = 0; tries < 600 && !existsSync(holding); tries++) await new Promise((resolve) => setTimeout(resolve, 50));
    const holder = await holderOf(id);
    const other = (holder + 1) % 3;
    // `gantry node list`, through a node that does not run it: every node, its last heartbeat and the work it holds.
    const table = await cli(other, 'node', 'list');
    expect(table.code, table.err).toBe(0);
    const rows = table.out.trim().split('\n');
    expect(rows[0]).toMatch(/^NODE\s+STATE\s+URL\s+VERSION\s+STARTED\s+LAST HEARTBEAT\s+DEPLOYMENTS$/);
    expect(rows).toHaveLength(4);
    for (const [index, node] of nodes.entries()) {
      const row = rows.find((line) => line.includes(` ${node!.url} `));
      expect(row, table.out).toMatch(new RegExp(`^node-\\S+\\s+up\\s+\\S+\\s+\\S+\\s+\\S+\\s+\\d+[smhd] ago\\s+${index === holder ? id : '-'}$`));
    }
    const listed = await cli(other, 'node', 'list', '--json');
    const json = JSON.parse(listed.out) as { nodes: NodeDto[] };
    expect(json.nodes.map((node) => node.deployments.includes(id))).toEqual(json.nodes.map((node) => node.url === nodes[holder]!.url));
    for (const node of json.nodes) expect(Number.isNaN(Date.parse(node.heartbeatAt)), node.heartbeatAt).toBe(false);
    // The progress stream from a node that does not run the deployment shows it to the end.
    const stream = fetch(`${nodes[other]!.url}/api/v1/deployments/${id}/stream`, { headers: { authorization: `Bearer ${token}` } }).then((response) => response.text());
    expect((await api(other).api('POST', `/deployments/${id}/cancel`)).status).toBe(202);
    // The hook sleeps 30 s; the cancel ends it well before (bounded by the wait below).
    const detail = await api(other).waitFor(id, 20_000);
    expect(detail.deployment.state).toBe('cancelled');
    const streamed = await stream;
    expect(streamed).toContain('"type":"task:step-started"');
    expect(streamed).toMatch(/event: end\ndata: \{[^\n]*"state":"cancelled"/);
  }, 120_000);

  it('keeps going when every database connection of every node is cut mid-deployment', async () => {
    const { id, name } = await releaseAndDeploy(0, { hold: '8' });
    const holding = join(roots['t-2']!, 'shared', 'holding');
    rmSync(holding, { force: true });
    for (let tries = 0; tries < 600 && !existsSync(holding); tries++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(existsSync(holding)).toBe(true);
    // As a database going down would: no new connection is let in, and every backend of the
    // nodes is terminated at once.
    const databaseName = new URL(database.postgresUrl!).pathname.slice(1);
    const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
    await admin.connect();
    await admin.query(`ALTER DATABASE ${databaseName} WITH ALLOW_CONNECTIONS false`);
    let cut: pg.QueryResult;
    try {
      cut = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [databaseName]);
      // Every node says so on /healthz while the database is unreachable...
      for (let index = 0; index < 3; index++) expect(await healthOf(index, 503)).toEqual({ status: 503, body: { status: 'degraded', store: 'unreachable' } });
    } finally {
      await admin.query(`ALTER DATABASE ${databaseName} WITH ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    expect(cut.rowCount).toBeGreaterThan(3);
    // ...and is healthy again once it is back.
    for (let index = 0; index < 3; index++) expect(await healthOf(index, 200)).toEqual({ status: 200, body: { status: 'ok', store: 'ok' } });
    const detail = await anyApi().waitFor(id, 90_000);
    expect(detail.deployment.state, JSON.stringify(detail.tasks)).toBe('succeeded');
    expectEachStepOnce(await anyApi().events(id));
    for (const target of TARGETS) expect(runsOf(target).filter((line) => line.startsWith(`afterActivate ${name} `)), target).toHaveLength(1);
    // The nodes reconnected: each answers, beats and lists the others as up.
    for (let index = 0; index < 3; index++) {
      for (let tries = 0; tries < 100; tries++) {
        const listed = await api(index).api<{ nodes: NodeDto[] }>('GET', '/nodes');
        if (listed.status === 200 && listed.body.nodes.every((node) => node.state === 'up')) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect((await api(index).api<{ nodes: NodeDto[] }>('GET', '/nodes')).body.nodes.map((node) => node.state)).toEqual(['up', 'up', 'up']);
    }
  }, 150_000);

  // Twenty deployments one after another: over 200 s on a loaded machine, so its own bound.
  it('runs 20 deploys sent at once to all three nodes one at a time, each once', async () => {
    version += 1;
    const name = `${version}.0.0`;
    await api(0).release('shared', name, makeBuildDir({ VERSION: name }));
    const answers = await Promise.all(Array.from({ length: 20 }, (_, index) => api(index % 3).api<QueuedDeploymentDto>('POST', '/deployments', { app: 'shared', version: name, environment: 'prod', force: true })));
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(202));
    const ids = answers.map((answer) => answer.body.deployment.id);
    expect(new Set(ids).size).toBe(20);
    const spans: { id: string; started: number; ended: number }[] = [];
    for (const id of ids) {
      const detail = await anyApi().waitFor(id, 180_000);
      expect(detail.deployment.state, id).toBe('succeeded');
      const events = await anyApi().events(id);
      expect(events.filter((event) => event.type === 'deployment:started'), id).toHaveLength(1);
      expect(events.filter((event) => event.type === 'deployment:succeeded'), id).toHaveLength(1);
      spans.push({ id, started: events.find((event) => event.type === 'deployment:started')!.seq, ended: events.find((event) => event.type === 'deployment:succeeded')!.seq });
    }
    // Events are numbered in one sequence: no deployment started before the one before it ended.
    spans.sort((a, b) => a.started - b.started);
    for (let index = 1; index < spans.length; index++) expect(spans[index]!.started, spans[index]!.id).toBeGreaterThan(spans[index - 1]!.ended);
    // And each ran its hooks once per target.
    for (const target of TARGETS) expect(runsOf(target).filter((line) => line.startsWith(`afterActivate ${name} `))).toHaveLength(20);
    expect(readdirSync(join(roots['t-1']!, 'shared', 'releases'))).toContain(name);
  }, 420_000);
});
