import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { runBackup, runRestore } from '../../src/main/store-commands.js';
import { tablesWithRows } from '../../src/store/store-copy.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { makeBuildDir } from '../support/release-dirs.js';

/**
 * Issue 7, "moving up": `gantry migrate` (SQLite into PostgreSQL) and `gantry backup`/`restore`
 * on both stores, checked through the API of a server started on the copy.
 */
const MANIFEST = `app: shop
environments:
  - { name: staging, targets: { role: web } }
config:
  - { template: app.env.tmpl, path: app.env }
strategy: { type: rolling, batch: 1, maxFailures: 0, onFailure: rollback }
`;
const SECRET = 'the-secret-value-42';
const PASSWORD = 'correct horse battery staple';

const build = (version: string) => makeBuildDir({ VERSION: `${version}\n`, 'app.env.tmpl': 'API_KEY={{ API_KEY }}\n' });

interface Listings {
  deployments: unknown;
  releases: unknown;
  users: unknown;
  secrets: unknown;
  targets: unknown;
  changes: unknown;
  events: Record<string, unknown>;
  audit: unknown;
}

/** Gives the installation a target, an application, two releases, two successful deployments, a user, a secret, a change request and audit records. */
async function populate(gantry: TestGantry, root: string): Promise<void> {
  await gantry.apply(MANIFEST);
  await gantry.addTarget({ name: 'web-1', labels: { role: 'web' }, local: { root } });
  expect((await gantry.api('PUT', '/applications/shop/secrets/API_KEY', { value: SECRET })).status).toBe(204);
  await gantry.release('shop', '1.0.0', build('1.0.0'));
  await gantry.release('shop', '2.0.0', build('2.0.0'));
  for (const version of ['1.0.0', '2.0.0']) {
    const { deployment } = await gantry.deploy('shop', version, 'staging');
    expect((await gantry.waitFor(deployment.id)).deployment.state).toBe('succeeded');
  }
  expect((await gantry.api('POST', '/users', { name: 'pat', role: 'viewer', password: PASSWORD })).status).toBe(201);
  const change = await gantry.api('POST', '/changes', { app: 'shop', version: '2.0.0', environment: 'staging', plan: { goals: ['ship 2.0.0'] } });
  expect(change.status, JSON.stringify(change.body)).toBe(201);
}

async function listings(gantry: TestGantry): Promise<Listings> {
  const get = async (path: string) => {
    const result = await gantry.api('GET', path);
    expect(result.status, path).toBe(200);
    return result.body;
  };
  const deployments = (await get('/deployments')) as { deployments: { id: string }[] };
  const events: Record<string, unknown> = {};
  for (const { id } of deployments.deployments) events[id] = await get(`/deployments/${id}/events`);
  const audit = (await get('/audit?limit=500')) as { records: unknown[] };
  return {
    deployments,
    releases: await get('/applications/shop/releases'),
    users: await get('/users'),
    secrets: await get('/applications/shop/secrets'),
    targets: await get('/targets'),
    changes: await get('/changes'),
    events,
    audit: audit.records,
  };
}

/**
 * The copy answers as the original did; its audit chain verifies, and holds the copy's own record
 * (`migrate` or `restore`, by the operating-system user, from `local`); an old release deploys
 * again (its archive came along) with higher event seqs.
 */
async function checkCopy(copy: TestGantry, before: Listings, root: string, action: 'migrate' | 'restore'): Promise<void> {
  const after = await listings(copy);
  expect(after.deployments).toEqual(before.deployments);
  expect(after.releases).toEqual(before.releases);
  expect(after.users).toEqual(before.users);
  expect(after.secrets).toEqual(before.secrets);
  expect(after.targets).toEqual(before.targets);
  expect(after.changes).toEqual(before.changes);
  expect(after.events).toEqual(before.events);
  // The copied records come first, unchanged (reading them may add records after them).
  expect((after.audit as unknown[]).slice(0, (before.audit as unknown[]).length)).toEqual(before.audit);
  const verified = await copy.api<{ ok: boolean; checked: number }>('GET', '/audit/verify');
  expect(verified.body).toMatchObject({ ok: true });
  expect(verified.body.checked).toBeGreaterThanOrEqual((before.audit as unknown[]).length);
  expect(after.audit).toContainEqual(expect.objectContaining({ action, actor: `os:${userInfo().username}`, address: 'local', outcome: 'done', details: expect.objectContaining({ rows: expect.any(Number) }) }));

  const oldSeqs = Object.values(before.events).flatMap((list) => (list as { events: { seq: number }[] }).events.map((event) => event.seq));
  rmSync(join(root, 'shop', 'releases', '1.0.0'), { recursive: true, force: true });
  const { deployment } = await copy.deploy('shop', '1.0.0', 'staging', true);
  const detail = await copy.waitFor(deployment.id);
  expect(detail.deployment.state, JSON.stringify(detail.tasks)).toBe('succeeded');
  expect(readFileSync(join(root, 'shop', 'current', 'VERSION'), 'utf8')).toBe('1.0.0\n');
  // The secret decrypted with the same master key on the copy.
  expect(readFileSync(join(root, 'shop', 'current', 'app.env'), 'utf8')).toBe(`API_KEY=${SECRET}\n`);
  const newSeqs = (await copy.events(deployment.id)).map((event) => event.seq);
  expect(newSeqs.length).toBeGreaterThan(0);
  expect(Math.min(...newSeqs)).toBeGreaterThan(Math.max(...oldSeqs));
}

/** Runs the CLI in this process. */
async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'gantry', ...args], {
    env,
    stdout: { write: (text: string) => ((stdout += text), true) },
    stderr: { write: (text: string) => ((stderr += text), true) },
  } as never);
  return { code, stdout, stderr };
}

describe.skipIf(!DIALECTS.includes('postgres'))('gantry migrate: an embedded installation into PostgreSQL', () => {
  const env = { GANTRY_MASTER_KEY: randomBytes(32).toString('base64') };
  let sqliteDir: string;
  let root: string;
  let database: TestDatabase;
  let copy: TestGantry | undefined;
  let before: Listings;

  beforeAll(async () => {
    sqliteDir = mkdtempSync(join(tmpdir(), 'gantry-migrate-src-'));
    root = mkdtempSync(join(tmpdir(), 'gantry-migrate-target-'));
    database = await createTestDatabase('postgres');
    const original = await startTestGantry({ dataDir: sqliteDir, env });
    try {
      await populate(original, root);
      before = await listings(original);
    } finally {
      await original.close();
    }
  });
  afterAll(async () => {
    await copy?.close();
    await database?.drop();
    for (const dir of [sqliteDir, root]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('copies every row, the audit chain, the archives and the sequences', async () => {
    const result = await cli(['migrate', '--from', `sqlite:${join(sqliteDir, 'gantry.db')}`, '--to', database.postgresUrl!]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/deployments\s+2 rows/);
    expect(result.stdout).toMatch(/archives\s+2 \(\d+ bytes\)/);
    expect(result.stdout).toMatch(/master key is not in the database/);

    const dataDir = mkdtempSync(join(tmpdir(), 'gantry-migrate-node-'));
    copyFileSync(join(sqliteDir, 'admin.token'), join(dataDir, 'admin.token'));
    copy = await startTestGantry({ postgresUrl: database.postgresUrl!, dataDir, env });
    await checkCopy(copy, before, root, 'migrate');
  });

  it('refuses a database that holds Gantry data, and changes nothing', async () => {
    const result = await cli(['migrate', '--data', sqliteDir, '--to', database.postgresUrl!]);
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error\[STORE_NOT_EMPTY\]: the target store already holds Gantry data \(rows in applications, /);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses a source that is not there, naming it', async () => {
    const result = await cli(['migrate', '--from', 'sqlite:/nonexistent/gantry.db', '--to', database.postgresUrl!]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('error[REQUEST_INVALID]: there is no SQLite database at /nonexistent/gantry.db (see --from and --data)\n');
  });
});

for (const dialect of DIALECTS) describe(`gantry backup and restore (store: ${dialect})`, () => {
  const env = { GANTRY_MASTER_KEY: randomBytes(32).toString('base64') };
  const dirs: string[] = [];
  const databases: TestDatabase[] = [];
  let root: string;
  let original: TestGantry | undefined;
  let copy: TestGantry | undefined;
  let before: Listings;
  let backupFile: string;
  /** Where restores go: a fresh data dir, plus a fresh PostgreSQL database for that store. */
  const freshStore = async (): Promise<{ dataDir: string; env: Record<string, string>; database: TestDatabase | undefined }> => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gantry-restore-'));
    dirs.push(dataDir);
    if (dialect === 'sqlite') return { dataDir, env, database: undefined };
    const database = await createTestDatabase('postgres');
    databases.push(database);
    return { dataDir, env: { ...env, GANTRY_DATABASE_URL: database.postgresUrl! }, database };
  };
  const originalEnv = (): Record<string, string> => (databases[0] ? { ...env, GANTRY_DATABASE_URL: databases[0].postgresUrl! } : env);

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'gantry-backup-target-'));
    const work = mkdtempSync(join(tmpdir(), 'gantry-backup-files-'));
    dirs.push(root, work);
    backupFile = join(work, 'gantry.backup');
    const dataDir = mkdtempSync(join(tmpdir(), 'gantry-backup-src-'));
    dirs.push(dataDir);
    if (dialect === 'postgres') databases.push(await createTestDatabase('postgres'));
    original = await startTestGantry({ dataDir, env, ...(databases[0] ? { postgresUrl: databases[0].postgresUrl! } : {}) });
    await populate(original, root);
    before = await listings(original);
  });
  afterAll(async () => {
    await original?.close();
    await copy?.close();
    for (const database of databases) await database.drop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('backs up a live server and restores into a fresh store that answers the same', async () => {
    let output = '';
    // The server is still running: the backup reads one consistent snapshot.
    expect(await runBackup({ dataDir: original!.dataDir, output: backupFile }, originalEnv(), { write: (text: string) => (output += text) })).toBe(0);
    expect(output).toMatch(/deployments\s+2 rows/);
    expect(output).toMatch(/archives\s+2 \(\d+ bytes\)/);
    expect(output).toMatch(/the master key is NOT in it/);
    expect(statSync(backupFile).mode & 0o777).toBe(0o600);
    const adminToken = join(original!.dataDir, 'admin.token');
    await original!.close();
    original = undefined;

    const target = await freshStore();
    output = '';
    expect(await runRestore({ dataDir: target.dataDir, input: backupFile }, target.env, { write: (text: string) => (output += text) })).toBe(0);
    expect(output).toMatch(/audit_log\s+\d+ rows/);
    copyFileSync(adminToken, join(target.dataDir, 'admin.token'));
    copy = await startTestGantry({ dataDir: target.dataDir, env, ...(target.database ? { postgresUrl: target.database.postgresUrl! } : {}) });
    // `before` was listed before the backup; the backup itself happened after, so compare what existed then.
    const beforeBackup = before;
    await checkCopy(copy, beforeBackup, root, 'restore');
    await copy.close();
    copy = undefined;

    // Into the same, now non-empty store: refused, naming why.
    const again = await cli(['restore', '--input', backupFile, '--data', target.dataDir], target.env);
    expect(again.code).toBe(4);
    expect(again.stderr).toMatch(/^error\[STORE_NOT_EMPTY\]: .*rows in applications/);
  });

  it('refuses a truncated backup and leaves the store empty', async () => {
    const damaged = `${backupFile}.cut`;
    copyFileSync(backupFile, damaged);
    truncateSync(damaged, Math.floor(statSync(damaged).size / 2));
    const target = await freshStore();
    const result = await cli(['restore', '--input', damaged, '--data', target.dataDir], target.env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error\[BACKUP_INVALID\]: /);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    const store = target.database ? await target.database.open() : (await import('../../src/store/database.js')).openDatabase({ sqlitePath: join(target.dataDir, 'gantry.db') });
    try {
      expect(await tablesWithRows(store.db)).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('refuses a backup made at another schema version, naming both', async () => {
    const other = `${backupFile}.old`;
    const text = gunzipSync(readFileSync(backupFile)).toString('utf8').replace(/"schema":"[^"]+"/, '"schema":"2026_11_27_0010_teams"');
    writeFileSync(other, gzipSync(text));
    const target = await freshStore();
    const result = await cli(['restore', '--input', other, '--data', target.dataDir], target.env);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/^error\[SCHEMA_MISMATCH\]: .* was made at schema 2026_11_27_0010_teams, this Gantry is at \d{4}_\d{2}_\d{2}_\d{4}_\w+/);
  });

  it('refuses to overwrite an existing file', async () => {
    const exists = await cli(['backup', '--output', backupFile, '--data', mkdtempSync(join(tmpdir(), 'gantry-none-'))], originalEnv());
    expect(exists.code).toBe(2);
    expect(exists.stderr).toMatch(/^error\[REQUEST_INVALID\]: .* exists already/);
  });
});
