import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogLineDto } from '../../src/protocol/api.js';
import type { NodeDto } from '../../src/protocol/nodes-api.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { httpApi, type HttpApi } from '../support/http-api.js';
import { makeBuildDir } from '../support/release-dirs.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';
import { freePort, startServerProcess, type ServerProcess } from '../support/server-process.js';

/** One local target and one reached over SSH (a real sshd on loopback), deployed at once. */
const TARGETS = ['local-1', 'ssh-1'];

/**
 * The hook writes `start <attempt> <time>` and `end <attempt> <time>` to the target's marker
 * file. The first attempt also writes its pid and then sleeps 20 s, far past the 3 s lease, so
 * the node running it can be killed mid-hook while it goes on.
 */
const MANIFEST = `app: fenced
environments:
  - { name: prod, targets: { app: fenced } }
hooks:
  afterInstall: 'echo "start $GANTRY_ATTEMPT $(date +%s.%N)" >> ../../marker; if [ "$GANTRY_ATTEMPT" = 1 ]; then echo $$ > ../../attempt-1.pid; sleep 20; fi; echo "end $GANTRY_ATTEMPT $(date +%s.%N)" >> ../../marker'
strategy: { type: allAtOnce }
`;

/** Whether the process is gone (a zombie waiting to be reaped counts as gone: it runs nothing). */
function processGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/**
 * Issue 7, "no step runs on two nodes at once", for local and SSH targets: a node killed with
 * SIGKILL while a hook runs leaves that hook running on the target; the node that takes the
 * deployment over runs the hook again as attempt 2, and the step fence (src/executors/step-fence.ts)
 * stops attempt 1 before attempt 2 starts.
 */
describe('a step left running by a killed node', () => {
  let database: TestDatabase;
  let sshd: SshdFixture;
  const dataDirs: string[] = [];
  const nodes: (ServerProcess | null)[] = [null, null];
  let token = '';
  const roots: Record<string, string> = {};
  const masterKey = randomBytes(32).toString('base64');
  const api = (index: number): HttpApi => httpApi(nodes[index]!.url, token);
  const anyApi = (): HttpApi => api(nodes.findIndex((node) => node !== null));
  const appDir = (target: string) => join(roots[target]!, 'fenced');

  /** The node that holds the deployment's lease (bounded wait). */
  async function holderOf(id: string): Promise<number> {
    for (let tries = 0; tries < 200; tries++) {
      const listed = (await anyApi().api<{ nodes: NodeDto[] }>('GET', '/nodes')).body.nodes;
      const holder = listed.find((node) => node.deployments.includes(id));
      if (holder) return nodes.findIndex((node) => node !== null && node.url === holder.url);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`no node holds ${id}`);
  }

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    sshd = await startSshd({ count: 1 });
    roots['local-1'] = mkdtempSync(join(tmpdir(), 'gantry-fence-local-'));
    roots['ssh-1'] = sshd.hosts[0]!.root;
    const env = { GANTRY_DATABASE_URL: database.postgresUrl!, GANTRY_MASTER_KEY: masterKey };
    // The first node creates the database and the admin token; the second joins it.
    for (let index = 0; index < 2; index++) {
      dataDirs.push(mkdtempSync(join(tmpdir(), `gantry-fence-node-${index}-`)));
      nodes[index] = await startServerProcess(dataDirs[index]!, await freePort(), env, token || undefined);
      if (index === 0) token = nodes[0]!.token;
    }
    await api(0).addTarget({ name: 'local-1', labels: { app: 'fenced' }, local: { root: roots['local-1'] } });
    const host = sshd.hosts[0]!;
    await api(0).addTarget({ name: 'ssh-1', labels: { app: 'fenced' }, ssh: { user: host.user, host: host.host, port: host.port, keyPath: sshd.keyPath, knownHostsPath: sshd.knownHostsPath, root: host.root } });
    await api(0).apply(MANIFEST);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(nodes.map((node) => node?.stop()));
    await database?.drop();
    await sshd?.stop();
    for (const dir of [...dataDirs, roots['local-1']]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stops the first attempt of a hook before the node that took over runs the second', async () => {
    await api(0).release('fenced', '1.0.0', makeBuildDir({ VERSION: '1.0.0' }));
    const { deployment } = await api(1).deploy('fenced', '1.0.0', 'prod');
    const pidFiles = TARGETS.map((target) => join(appDir(target), 'attempt-1.pid'));
    for (let tries = 0; tries < 600 && !pidFiles.every((file) => existsSync(file) && readFileSync(file, 'utf8').endsWith('\n')); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const firstAttempts = pidFiles.map((file) => Number(readFileSync(file, 'utf8')));
    const victim = await holderOf(deployment.id);
    await nodes[victim]!.kill9();
    nodes[victim] = null;
    // The node is gone; its hooks are not.
    for (const pid of firstAttempts) expect(processGone(pid)).toBe(false);

    const detail = await anyApi().waitFor(deployment.id, 90_000);
    expect(detail.deployment.state).toBe('succeeded');
    // Attempt 1 is over well before its 20 s sleep would have been (bounded wait); were it not
    // stopped, it would write its `end` line after attempt 2 started.
    for (let tries = 0; tries < 400 && !firstAttempts.every(processGone); tries++) await new Promise((resolve) => setTimeout(resolve, 100));
    for (const target of TARGETS) {
      const marker = readFileSync(join(appDir(target), 'marker'), 'utf8').trim().split('\n');
      expect(marker.map((line) => line.split(' ').slice(0, 2).join(' ')), target).toEqual(['start 1', 'start 2', 'end 2']);
      // Nothing of the deployment is left recorded as running on the target.
      expect(readdirSync(join(roots[target]!, '.gantry', 'steps')).filter((name) => name.startsWith(deployment.id)), target).toEqual([]);
    }
    const logs = (await anyApi().api<{ logs: LogLineDto[] }>('GET', `/deployments/${deployment.id}/logs`)).body.logs;
    for (const target of TARGETS) {
      const stopped = logs.filter((line) => line.target === target && line.step === 'afterInstall' && line.text.includes(`gantry fence: stopping ${deployment.id}/${target}/afterInstall/1 `));
      expect(stopped, target).toHaveLength(1);
    }
  }, 180_000);
});
