import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { makeBuildDir } from '../support/release-dirs.js';

const MANIFEST = `app: shop
environments:
  - { name: staging, targets: { role: web } }
strategy: { type: rolling, batch: 1, maxFailures: 0, onFailure: rollback }
`;

/** Two nodes on one PostgreSQL, each with its own data directory: an archive uploaded to one is sent by the other. */
describe.skipIf(!DIALECTS.includes('postgres'))('release archives shared by the nodes of one PostgreSQL', () => {
  let database: TestDatabase;
  let nodeA: TestGantry | undefined;
  let nodeB: TestGantry;
  let root: string;
  let dataDirB: string | undefined;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    // One store, so one master key; node B reads the admin token node A created.
    const env = { GANTRY_MASTER_KEY: randomBytes(32).toString('base64') };
    nodeA = await startTestGantry({ postgresUrl: database.postgresUrl!, env });
    dataDirB = mkdtempSync(join(tmpdir(), 'gantry-server-b-'));
    writeFileSync(join(dataDirB, 'admin.token'), `${nodeA.token}\n`, { mode: 0o600 });
    nodeB = await startTestGantry({ postgresUrl: database.postgresUrl!, env, dataDir: dataDirB });
    root = mkdtempSync(join(tmpdir(), 'gantry-shared-target-'));
  });
  afterAll(async () => {
    await nodeA?.close();
    await nodeB?.close();
    await database?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
    if (dataDirB) rmSync(dataDirB, { recursive: true, force: true });
  });

  it('deploys through node B a release uploaded to node A after A is gone', async () => {
    await nodeA!.apply(MANIFEST);
    await nodeA!.addTarget({ name: 'web-1', labels: { role: 'web' }, local: { root } });
    await nodeA!.release('shop', '1.0.0', makeBuildDir({ 'VERSION': '1.0.0\n', 'bin/start': '#!/bin/sh\necho started\n' }));
    const digest = (await nodeA!.api<{ releases: { version: string; digest: string }[] }>('GET', '/applications/shop/releases')).body.releases.find((entry) => entry.version === '1.0.0')!.digest;
    expect(existsSync(join(nodeA!.dataDir, 'artifacts', 'sha256', `${digest}.tar.gz`))).toBe(true);
    expect(existsSync(join(nodeB.dataDir, 'artifacts', 'sha256', `${digest}.tar.gz`))).toBe(false);
    await nodeA!.close();
    nodeA = undefined;

    const { deployment } = await nodeB.deploy('shop', '1.0.0', 'staging');
    const detail = await nodeB.waitFor(deployment.id);
    expect(detail.deployment.state).toBe('succeeded');
    expect(readlinkSync(join(root, 'shop', 'current'))).toBe('releases/1.0.0');
    expect(readFileSync(join(root, 'shop', 'current', 'VERSION'), 'utf8')).toBe('1.0.0\n');
    // Node B fetched the archive into its own cache (and nothing else is left there).
    expect(readdirSync(join(nodeB.dataDir, 'artifacts', 'sha256'))).toEqual([`${digest}.tar.gz`]);
  });
});

/** GANTRY_ARTIFACT_DIR: the nodes keep archives as files in one directory they all see, not in the database. */
describe.skipIf(!DIALECTS.includes('postgres'))('release archives in a directory shared by the nodes (GANTRY_ARTIFACT_DIR)', () => {
  let database: TestDatabase;
  let nodeA: TestGantry | undefined;
  let nodeB: TestGantry;
  let shared: string;
  let root: string;
  let dataDirB: string | undefined;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    shared = mkdtempSync(join(tmpdir(), 'gantry-shared-artifacts-'));
    root = mkdtempSync(join(tmpdir(), 'gantry-shared-target-'));
    const env = { GANTRY_MASTER_KEY: randomBytes(32).toString('base64'), GANTRY_ARTIFACT_DIR: shared };
    nodeA = await startTestGantry({ postgresUrl: database.postgresUrl!, env });
    dataDirB = mkdtempSync(join(tmpdir(), 'gantry-server-b-'));
    writeFileSync(join(dataDirB, 'admin.token'), `${nodeA.token}\n`, { mode: 0o600 });
    nodeB = await startTestGantry({ postgresUrl: database.postgresUrl!, env, dataDir: dataDirB });
  });
  afterAll(async () => {
    await nodeA?.close();
    await nodeB?.close();
    await database?.drop();
    for (const dir of [shared, root, dataDirB]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the archive in the shared directory only, and node B deploys it', async () => {
    await nodeA!.apply(MANIFEST);
    await nodeA!.addTarget({ name: 'web-1', labels: { role: 'web' }, local: { root } });
    await nodeA!.release('shop', '1.0.0', makeBuildDir({ 'VERSION': '1.0.0\n' }));
    const digest = (await nodeA!.api<{ releases: { version: string; digest: string }[] }>('GET', '/applications/shop/releases')).body.releases[0]!.digest;
    expect(readdirSync(join(shared, 'sha256'))).toEqual([`${digest}.tar.gz`]);
    expect(existsSync(join(nodeA!.dataDir, 'artifacts'))).toBe(false);
    const store = await database.open();
    try {
      expect(await store.db.selectFrom('artifacts').select('digest').execute()).toEqual([]);
    } finally {
      await store.close();
    }
    await nodeA!.close();
    nodeA = undefined;

    const detail = await nodeB.waitFor((await nodeB.deploy('shop', '1.0.0', 'staging')).deployment.id);
    expect(detail.deployment.state).toBe('succeeded');
    expect(readlinkSync(join(root, 'shop', 'current'))).toBe('releases/1.0.0');
    expect(existsSync(join(nodeB.dataDir, 'artifacts'))).toBe(false);
  });
});
