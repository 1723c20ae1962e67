import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventDto } from '../../src/protocol/api.js';
import { httpApi } from '../support/http-api.js';
import { makeBuildDir } from '../support/release-dirs.js';
import { freePort, startServerProcess, type ServerProcess } from '../support/server-process.js';

const TARGETS = ['node-1', 'node-2', 'node-3'];

/**
 * A marker file per target counts hook runs. The first attempt of afterInstall on node-2 waits
 * (up to 20s) so the server can be killed while it runs; a resumed run passes attempt 2.
 */
const MANIFEST = `app: crashy
environments:
  - { name: prod, targets: { app: crashy } }
hooks:
  afterInstall: 'echo "afterInstall $GANTRY_RELEASE attempt $GANTRY_ATTEMPT" >> ../../runs.log; if [ "$GANTRY_TARGET" = node-2 ] && [ "$GANTRY_ATTEMPT" = 1 ] && [ -f hold ]; then touch ../../holding; sleep 20; fi'
  afterActivate: 'echo "afterActivate $GANTRY_RELEASE attempt $GANTRY_ATTEMPT" >> ../../runs.log; if [ -f "../$GANTRY_PREVIOUS_RELEASE/hold-rollback" ] && [ "$GANTRY_ATTEMPT" = 1 ]; then touch ../../holding-rollback; sleep 20; fi'
health:
  - command: 'test -f VERSION && test ! -f "fail-on-$GANTRY_TARGET"'
    retries: 0
strategy: { type: rolling, batch: 1, pauseBetweenBatches: 3s, maxFailures: 0 }
`;

/** Every task moved through its transitions once: no duplicate terminal event, no gap. */
function expectConsistentEvents(events: readonly EventDto[]) {
  const seqs = events.map((event) => event.seq);
  expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  for (const target of TARGETS) {
    expect(events.filter((event) => event.type === 'task:succeeded' && event.target === target)).toHaveLength(1);
    expect(events.filter((event) => event.type === 'task:started' && event.target === target)).toHaveLength(1);
  }
  expect(events.filter((event) => event.type === 'deployment:succeeded')).toHaveLength(1);
  expect(events.some((event) => event.type === 'deployment:resumed')).toBe(true);
}

describe('kill -9 of gantry serve during a deployment', () => {
  let dataDir: string;
  let port: number;
  let server: ServerProcess;
  const roots: Record<string, string> = {};
  let version = 0;
  const api = () => httpApi(server.url, server.token);
  const currentOf = (target: string) => readlinkSync(join(roots[target]!, 'crashy', 'current'));

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'gantry-crash-'));
    port = await freePort();
    server = await startServerProcess(dataDir, port);
    for (const name of TARGETS) {
      roots[name] = mkdtempSync(join(tmpdir(), `gantry-${name}-`));
      await api().addTarget({ name, labels: { app: 'crashy' }, local: { root: roots[name] } });
    }
    await api().apply(MANIFEST);
  });
  afterAll(async () => server?.stop());

  async function releaseAndDeploy(files: Record<string, string>) {
    version += 1;
    const name = `${version}.0.0`;
    await api().release('crashy', name, makeBuildDir({ VERSION: name, ...files }));
    const { deployment } = await api().deploy('crashy', name, 'prod');
    return { id: deployment.id, name };
  }

  async function killAndRestart() {
    await server.kill9();
    server = await startServerProcess(dataDir, port);
  }

  async function expectCompleted(id: string, name: string) {
    const detail = await api().waitFor(id, 90_000);
    expect(detail.deployment.state).toBe('succeeded');
    expect(detail.tasks.map((task) => task.state)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    for (const target of TARGETS) expect(currentOf(target)).toBe(`releases/${name}`);
    expectConsistentEvents(await api().events(id));
  }

  it('resumes after a kill in the middle of an upload', async () => {
    // Incompressible, so the copy takes long enough to be caught in the act.
    const { id, name } = await releaseAndDeploy({ 'blob.bin': randomBytes(24 * 1024 * 1024).toString('base64') });
    await api().waitForEvent(id, (event) => event.type === 'task:step-started' && event.data.step === 'upload');
    await killAndRestart();
    await expectCompleted(id, name);
  });

  it('resumes after a kill while a hook runs, running that hook again as attempt 2', async () => {
    const { id, name } = await releaseAndDeploy({ hold: '' });
    const holding = join(roots['node-2']!, 'crashy', 'holding');
    for (let i = 0; i < 600 && !existsSync(holding); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(existsSync(holding)).toBe(true);
    await killAndRestart();
    await expectCompleted(id, name);
    const runs = readFileSync(join(roots['node-2']!, 'crashy', 'runs.log'), 'utf8');
    expect(runs).toContain(`afterInstall ${name} attempt 1`);
    expect(runs).toContain(`afterInstall ${name} attempt 2`);
    expect(runs.split('\n').filter((line) => line === `afterActivate ${name} attempt 1`)).toHaveLength(1);
  });

  it('resumes after a kill between batches without redoing the finished batch', async () => {
    const { id, name } = await releaseAndDeploy({});
    await api().waitForEvent(id, (event) => event.type === 'batch:finished' && event.data.batch === 0);
    await killAndRestart();
    await expectCompleted(id, name);
    const runs = readFileSync(join(roots['node-1']!, 'crashy', 'runs.log'), 'utf8');
    expect(runs.split('\n').filter((line) => line.startsWith(`afterInstall ${name} `))).toEqual([`afterInstall ${name} attempt 1`]);
  });

  it('finishes a rollback that was interrupted by a kill', async () => {
    const live = currentOf('node-1');
    const { id } = await releaseAndDeploy({ 'fail-on-node-1': '', 'hold-rollback': '' });
    const holding = join(roots['node-1']!, 'crashy', 'holding-rollback');
    for (let i = 0; i < 600 && !existsSync(holding); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(existsSync(holding)).toBe(true);
    await killAndRestart();
    const detail = await api().waitFor(id, 90_000);
    expect(detail.deployment.state).toBe('rolled_back');
    expect(detail.tasks.map((task) => task.state)).toEqual(['rolled_back', 'skipped', 'skipped']);
    for (const target of TARGETS) expect(currentOf(target)).toBe(live);
    const events = await api().events(id);
    expect(events.filter((event) => event.type === 'task:rolled-back')).toHaveLength(1);
    expect(events.filter((event) => event.type === 'deployment:rolled-back')).toHaveLength(1);
  });

  it('leaves the store readable and consistent after repeated kills', async () => {
    writeFileSync(join(dataDir, 'probe'), '');
    const list = await api().api<{ deployments: { state: string }[] }>('GET', '/deployments?app=crashy');
    expect(list.status).toBe(200);
    expect(list.body.deployments.map((deployment) => deployment.state)).toEqual(['rolled_back', 'succeeded', 'succeeded', 'succeeded']);
  });
});
