import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packDirectory } from '../../src/artifacts/pack-directory.js';
import { main } from '../../src/cli/main.js';
import type { ReleaseDto } from '../../src/protocol/api.js';
import type { RetentionOutcomeDto, RetentionPolicyDto, RetentionPreviewDto } from '../../src/protocol/retention-api.js';
import { captureIo } from '../cli/fake-server.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { makeBuildDir } from '../support/release-dirs.js';

/**
 * Retention on real local deployments (issue 10): releases deployed to two environments and a
 * rollback, then a policy that keeps as little as it may. The preview lists exactly the releases
 * and logs expected; apply deletes them (archive blobs gone from the store, logs gone, release rows
 * kept and marked), never touching the live or rollback releases, which still roll back for real;
 * a pruned release's deploy is refused; a second preview is empty.
 */
const MANIFEST = `app: shop
environments:
  - { name: staging, targets: { role: web, env: staging } }
  - { name: production, targets: { role: web, env: production } }
hooks:
  afterActivate: 'echo "activated $GANTRY_RELEASE"'
strategy: { type: allAtOnce }
`;

for (const dialect of DIALECTS) describe(`retention of releases, archives and logs (store: ${dialect})`, () => {
  let database: TestDatabase;
  let gantry: TestGantry;
  const roots = { staging: '', production: '' };
  const deployments: Record<string, string> = {};
  const digests: Record<string, string> = {};

  const upload = async (version: string, bytes: Buffer) => {
    const response = await fetch(`${gantry.url}/api/v1/applications/shop/releases/${version}`, { method: 'POST', headers: { authorization: `Bearer ${gantry.token}`, 'content-type': 'application/gzip' }, body: bytes });
    expect(response.status).toBe(201);
  };
  const deploy = async (label: string, version: string, environment: 'staging' | 'production') => {
    const detail = await gantry.waitFor((await gantry.deploy('shop', version, environment)).deployment.id);
    expect(detail.deployment.state).toBe('succeeded');
    deployments[label] = detail.deployment.id;
  };
  const rollback = async (environment: 'staging' | 'production') => {
    const queued = await gantry.api<{ deployment: { id: string } }>('POST', `/applications/shop/environments/${environment}/rollback`);
    expect(queued.status).toBe(202);
    const detail = await gantry.waitFor(queued.body.deployment.id);
    expect(detail.deployment.state).toBe('succeeded');
    return detail.deployment;
  };
  const liveOn = (environment: 'staging' | 'production') => readlinkSync(join(roots[environment], 'shop', 'current'));
  const releases = async () => (await gantry.api<{ releases: ReleaseDto[] }>('GET', '/applications/shop/releases')).body.releases;
  const logLines = async (id: string) => (await gantry.api<{ logs: unknown[] }>('GET', `/deployments/${id}/logs`)).body.logs.length;
  const cli = async (...args: string[]) => {
    const io = captureIo();
    const code = await main(['node', 'gantry', ...args, '--url', gantry.url, '--token', gantry.token], { ...io, env: {}, stdin: (async function* () {})() });
    return { code, out: io.out(), err: io.err() };
  };

  /** Whether the archive is still in the artifact store: a file (SQLite) or database rows (PostgreSQL). */
  async function archiveStored(digest: string): Promise<boolean> {
    if (!database.postgresUrl) return existsSync(join(gantry.dataDir, 'artifacts', 'sha256', `${digest}.tar.gz`));
    const client = new pg.Client({ connectionString: database.postgresUrl });
    await client.connect();
    try {
      const artifacts = await client.query('SELECT count(*)::int AS n FROM artifacts WHERE digest = $1', [digest]);
      const chunks = await client.query('SELECT count(*)::int AS n FROM artifact_chunks WHERE digest = $1', [digest]);
      return (artifacts.rows[0] as { n: number }).n + (chunks.rows[0] as { n: number }).n > 0;
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    gantry = await startTestGantry(database.postgresUrl ? { postgresUrl: database.postgresUrl } : {});
    await gantry.apply(MANIFEST);
    for (const environment of ['staging', 'production'] as const) {
      roots[environment] = mkdtempSync(join(tmpdir(), `gantry-retention-${environment}-`));
      await gantry.addTarget({ name: `${environment}-1`, labels: { role: 'web', env: environment }, local: { root: roots[environment] } });
    }
    for (const version of ['1.0.0', '2.0.0', '3.0.0', '4.0.0', '5.0.0']) {
      const bytes = await buffer(packDirectory(makeBuildDir({ VERSION: `${version}\n` })));
      await upload(version, bytes);
      // 0.9.0 is the same archive as 4.0.0: content-addressed, one blob for both.
      if (version === '4.0.0') await upload('0.9.0', bytes);
    }
    for (const release of await releases()) digests[release.version] = release.digest;
    expect(digests['0.9.0']).toBe(digests['4.0.0']);

    await deploy('staging 1', '1.0.0', 'staging');
    await deploy('staging 2', '2.0.0', 'staging');
    await deploy('staging 3', '3.0.0', 'staging');
    await deploy('production 2', '2.0.0', 'production');
    await deploy('production 3', '3.0.0', 'production');
    await deploy('production 4', '4.0.0', 'production');
    deployments['production rollback'] = (await rollback('production')).id;
    expect(liveOn('production')).toBe('releases/3.0.0');
  });
  afterAll(async () => {
    await gantry?.close();
    await database?.drop();
    for (const root of Object.values(roots)) if (root) rmSync(root, { recursive: true, force: true });
  });

  it('refuses to apply from a script without --yes, and sets the policy through the CLI', async () => {
    const refused = await cli('retention', 'apply');
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('error[REQUEST_INVALID]');
    expect(refused.err).toContain('--yes');
    const set = await cli('retention', 'set', '--keep-releases', '1', '--keep-release-days', '0', '--keep-logs-days', '0', '--keep-log-deployments', '1', '--json');
    expect(set.code, set.err).toBe(0);
    expect((JSON.parse(set.out) as RetentionPolicyDto).installation).toEqual({ keepReleases: 1, keepReleaseDays: 0, keepLogDays: 0, keepLogDeployments: 1 });
    const bad = await gantry.api<{ code: string; detail: string }>('PUT', '/retention/policy', { installation: { keepReleases: 0 } });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toContain('installation.keepReleases');
  });

  it('previews exactly the releases, archives and logs that go, with why the others stay', async () => {
    const preview = (await gantry.api<RetentionPreviewDto>('GET', '/retention/preview')).body;
    expect(preview.environments).toEqual([
      { app: 'shop', environment: 'production', live: '3.0.0', rollback: '4.0.0' },
      { app: 'shop', environment: 'staging', live: '3.0.0', rollback: '2.0.0' },
    ]);
    expect(preview.pruneReleases.map((verdict) => verdict.version)).toEqual(['0.9.0', '1.0.0', '5.0.0']);
    expect(preview.pruneReleases.find((verdict) => verdict.version === '5.0.0')?.reasons).toEqual(['never deployed, created more than 0 days ago']);
    const kept = Object.fromEntries(preview.keptReleases.map((verdict) => [verdict.version, verdict.reasons]));
    expect(Object.keys(kept).sort()).toEqual(['2.0.0', '3.0.0', '4.0.0']);
    expect(kept['2.0.0']).toContain('rollback release of staging');
    expect(kept['3.0.0']).toEqual(expect.arrayContaining(['live in production', 'live in staging']));
    expect(kept['4.0.0']).toContain('rollback release of production');
    // 0.9.0 goes, but its archive is 4.0.0's, which stays.
    expect(preview.deleteArchives).toEqual(
      [
        { digest: digests['1.0.0']!, releases: ['shop 1.0.0'] },
        { digest: digests['5.0.0']!, releases: ['shop 5.0.0'] },
      ].sort((a, b) => a.digest.localeCompare(b.digest)),
    );
    const expectedLogs = ['staging 1', 'staging 2', 'production 2', 'production 3', 'production 4'].map((label) => deployments[label]!).sort();
    expect(preview.deleteLogs.map((verdict) => verdict.deploymentId)).toEqual(expectedLogs);
    expect(preview.keptLogs.map((verdict) => verdict.deploymentId).sort()).toEqual([deployments['staging 3']!, deployments['production rollback']!].sort());
    for (const id of expectedLogs) expect(await logLines(id)).toBeGreaterThan(0);

    const shown = await cli('retention', 'preview');
    expect(shown.code, shown.err).toBe(0);
    expect(shown.out).toContain('never deployed, created more than 0 days ago');
  });

  it('apply deletes them, keeps the rows marked, and the live and rollback releases still roll back', async () => {
    const linesBefore = (await Promise.all(['staging 1', 'staging 2', 'production 2', 'production 3', 'production 4'].map((label) => logLines(deployments[label]!)))).reduce((sum, n) => sum + n, 0);
    // Two applies at once (as two nodes would run them): both succeed, and each release is pruned once.
    const answers = await Promise.all([gantry.api<RetentionOutcomeDto>('POST', '/retention/apply'), gantry.api<RetentionOutcomeDto>('POST', '/retention/apply')]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    const outcomes = answers.map((answer) => answer.body);
    expect(outcomes.flatMap((outcome) => outcome.prunedReleases.map((release) => release.version)).sort()).toEqual(['0.9.0', '1.0.0', '5.0.0']);
    expect([...new Set(outcomes.flatMap((outcome) => outcome.deletedArchives))].sort()).toEqual([digests['1.0.0'], digests['5.0.0']].sort());
    expect(outcomes[0]!.deletedLogLines + outcomes[1]!.deletedLogLines).toBe(linesBefore);

    expect(await archiveStored(digests['1.0.0']!)).toBe(false);
    expect(await archiveStored(digests['5.0.0']!)).toBe(false);
    for (const version of ['2.0.0', '3.0.0', '4.0.0']) expect(await archiveStored(digests[version]!)).toBe(true);
    const rows = Object.fromEntries((await releases()).map((release) => [release.version, release.archivePrunedAt ?? null]));
    expect(Object.keys(rows).sort()).toEqual(['0.9.0', '1.0.0', '2.0.0', '3.0.0', '4.0.0', '5.0.0']);
    for (const version of ['0.9.0', '1.0.0', '5.0.0']) expect(rows[version]).not.toBeNull();
    for (const version of ['2.0.0', '3.0.0', '4.0.0']) expect(rows[version]).toBeNull();
    expect(await logLines(deployments['staging 1']!)).toBe(0);
    expect(await logLines(deployments['production 4']!)).toBe(0);
    expect(await logLines(deployments['staging 3']!)).toBeGreaterThan(0);
    // Events stay: the deployment's history is still readable.
    const events = (await gantry.api<{ events: { type: string }[] }>('GET', `/deployments/${deployments['staging 1']}/events`)).body.events;
    expect(events.map((event) => event.type)).toContain('deployment:queued');
    const audit = (await gantry.api<{ records: { action: string; actor: string }[] }>('GET', '/audit?action=retention:apply')).body.records;
    expect(audit).toHaveLength(2);

    // Nothing is left to do, and applying again deletes nothing.
    const again = (await gantry.api<RetentionPreviewDto>('GET', '/retention/preview')).body;
    expect([again.pruneReleases, again.deleteArchives, again.deleteLogs]).toEqual([[], [], []]);
    const second = await cli('retention', 'apply', '--yes', '--json');
    expect(second.code, second.err).toBe(0);
    expect(JSON.parse(second.out)).toMatchObject({ prunedReleases: [], deletedArchives: [], deletedLogLines: 0 });

    const refused = await gantry.api<{ code: string; detail: string }>('POST', '/deployments', { app: 'shop', version: '1.0.0', environment: 'staging' });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('RELEASE_ARCHIVE_PRUNED');
    expect(refused.body.detail).toContain('retention deleted its archive');

    // Both rollback releases were kept: real rollbacks bring them back.
    expect((await rollback('production')).version).toBe('4.0.0');
    expect(liveOn('production')).toBe('releases/4.0.0');
    expect(readFileSync(join(roots.production, 'shop', 'current', 'VERSION'), 'utf8')).toBe('4.0.0\n');
    expect((await rollback('staging')).version).toBe('2.0.0');
    expect(liveOn('staging')).toBe('releases/2.0.0');
    // The live release deploys again too.
    await deploy('staging 3 again', '3.0.0', 'staging');
    expect(liveOn('staging')).toBe('releases/3.0.0');
  });
});

describe('retention on a schedule (GANTRY_RETENTION_INTERVAL)', () => {
  let gantry: TestGantry;
  beforeAll(async () => {
    gantry = await startTestGantry({ env: { GANTRY_RETENTION_INTERVAL: '1s' } });
  });
  afterAll(async () => {
    await gantry?.close();
  });

  it('applies the policy by itself and records each run in the audit log as gantry', async () => {
    let records: { actor: string; outcome: string }[] = [];
    for (let attempt = 0; attempt < 100 && records.length === 0; attempt += 1) {
      records = (await gantry.api<{ records: { actor: string; outcome: string }[] }>('GET', '/audit?action=retention:apply')).body.records;
      if (records.length === 0) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(records[0]).toMatchObject({ actor: 'gantry', outcome: 'scheduled run' });
  });
});
