import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { DeploymentDetailDto, ProblemDto } from '../../src/protocol/api.js';
import type { DoraReportDto } from '../../src/protocol/dora-api.js';
import type { IncidentDto } from '../../src/protocol/incidents-api.js';
import { openDatabase, type StoreDatabase } from '../../src/store/database.js';
import { captureIo } from '../cli/fake-server.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { makeBuildDir } from '../support/release-dirs.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

/** `live` is production by its name (no tier given); a release with a FAIL file fails its health check and rolls back. */
const MANIFEST = `app: shop
environments:
  - { name: staging, targets: { role: web, env: staging } }
  - { name: live, targets: { role: web, env: live } }
health:
  - command: 'test ! -f "$GANTRY_RELEASE_DIR/FAIL"'
    retries: 0
    interval: 100ms
strategy: { type: allAtOnce, onFailure: rollback }
`;

const HOUR = 3_600_000;

for (const dialect of DIALECTS) describe(`DORA metrics and incidents (store: ${dialect})`, () => {
  let database: TestDatabase;
  let gantry: TestGantry;
  let store: StoreDatabase;
  const deployed: Record<string, DeploymentDetailDto['deployment']> = {};
  let incident: IncidentDto;
  const commitTimes = { c1: '', c2: '', c3: '' };

  const cli = async (...args: string[]) => {
    const io = captureIo();
    const code = await main(['node', 'gantry', ...args, '--url', gantry.url, '--token', gantry.token], { ...io, env: {} });
    return { code, out: io.out(), err: io.err() };
  };

  /** A commit of shop brought by `version`, as the release-from-git slice records them. */
  async function seedCommit(version: string, sha: string, parent: string | null, committedAt: string): Promise<void> {
    await store.db
      .insertInto('release_commits')
      .values({ app: 'shop', version, sha, parents_json: JSON.stringify(parent ? [parent] : []), author_name: 'Ada', author_email: 'ada@example.test', committed_at: committedAt, subject: `change ${sha}` })
      .execute();
  }

  async function deploy(version: string): Promise<DeploymentDetailDto['deployment']> {
    const { deployment } = await gantry.deploy('shop', version, 'live');
    return (await gantry.waitFor(deployment.id)).deployment;
  }

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    gantry = await startTestGantry(database.postgresUrl ? { postgresUrl: database.postgresUrl } : {});
    store = openDatabase(database.postgresUrl ? { postgresUrl: database.postgresUrl } : { sqlitePath: join(gantry.dataDir, 'gantry.db') });
    for (const env of ['staging', 'live']) {
      expect((await gantry.api('POST', '/targets', { name: `web-${env}`, labels: { role: 'web', env }, local: { root: mkdtempSync(join(tmpdir(), `gantry-dora-${env}-`)) } })).status).toBe(201);
    }
    await gantry.apply(MANIFEST);
    await gantry.release('shop', '1.0.0', makeBuildDir({ VERSION: '1.0.0' }));
    await gantry.release('shop', '2.0.0', makeBuildDir({ VERSION: '2.0.0', FAIL: 'the health check fails' }));
    await gantry.release('shop', '3.0.0', makeBuildDir({ VERSION: '3.0.0' }));
    // 1.0.0 brought c1 and c2, 2.0.0 brought c3; 3.0.0 records no commit (its lead time is unknown).
    const start = Math.floor(Date.now() / 1000) * 1000;
    commitTimes.c1 = new Date(start - 3 * HOUR).toISOString();
    commitTimes.c2 = new Date(start - 2 * HOUR).toISOString();
    commitTimes.c3 = new Date(start - 1 * HOUR).toISOString();
    await seedCommit('1.0.0', 'c1', null, commitTimes.c1);
    await seedCommit('1.0.0', 'c2', 'c1', commitTimes.c2);
    await seedCommit('2.0.0', 'c3', 'c2', commitTimes.c3);
    await store.db.updateTable('releases').set({ commit_sha: 'c2' }).where('app', '=', 'shop').where('version', '=', '1.0.0').execute();
    await store.db.updateTable('releases').set({ commit_sha: 'c3' }).where('app', '=', 'shop').where('version', '=', '2.0.0').execute();

    deployed['1.0.0'] = await deploy('1.0.0');
    deployed['2.0.0'] = await deploy('2.0.0');
    deployed['3.0.0'] = await deploy('3.0.0');
    // A staging deployment: another tier, left out of the production figures.
    const staging = await gantry.deploy('shop', '3.0.0', 'staging');
    expect((await gantry.waitFor(staging.deployment.id)).deployment.state).toBe('succeeded');
  });
  afterAll(async () => {
    await store?.close();
    await gantry?.close();
    await database?.drop();
  });

  it('ran the history the figures are computed from', () => {
    expect([deployed['1.0.0']!.state, deployed['2.0.0']!.state, deployed['3.0.0']!.state]).toEqual(['succeeded', 'rolled_back', 'succeeded']);
  });

  it('links an incident to the latest deployment finished before it opened, and refuses bad links', async () => {
    const opened = await cli('incident', 'open', '--app', 'shop', '--env', 'live', '--title', 'Checkout errors', '--priority', 'P1', '--json');
    expect(opened.err).toBe('');
    expect(opened.code).toBe(0);
    incident = JSON.parse(opened.out) as IncidentDto;
    expect(incident).toMatchObject({ id: expect.stringMatching(/^I-\d+$/), priority: 'P1', deploymentId: deployed['3.0.0']!.id, attribution: 'latest', resolvedAt: null });
    expect(incident.attributionNote).toContain(deployed['3.0.0']!.id);

    const wrongEnvironment = await gantry.api<ProblemDto>('POST', '/incidents', { app: 'shop', environment: 'staging', title: 'x', deployment: deployed['1.0.0']!.id });
    expect(wrongEnvironment.status).toBe(400);
    expect(wrongEnvironment.body.detail).toContain(`${deployed['1.0.0']!.id} deployed shop to live, not shop to staging`);
    const future = await gantry.api<ProblemDto>('POST', '/incidents', { app: 'shop', environment: 'live', title: 'x', at: new Date(Date.now() + HOUR).toISOString() });
    expect(future.body).toMatchObject({ code: 'REQUEST_INVALID', where: 'at' });
    expect((await gantry.api<ProblemDto>('POST', '/incidents/I-999/resolve', {})).body.code).toBe('INCIDENT_NOT_FOUND');
  });

  it('resolves an incident once', async () => {
    const resolved = await cli('incident', 'resolve', incident.id);
    expect(resolved.code).toBe(0);
    expect(resolved.out).toContain(`resolved ${incident.id} at `);
    incident = (await gantry.api<{ incidents: IncidentDto[] }>('GET', '/incidents?app=shop')).body.incidents.find((entry) => entry.id === incident.id)!;
    expect(incident.resolvedAt).not.toBeNull();
    const again = await gantry.api<ProblemDto>('POST', `/incidents/${incident.id}/resolve`, {});
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('INCIDENT_RESOLVED');
    expect((await cli('incident', 'list', '--open')).out).not.toContain(incident.id);
  });

  it('computes the four figures from the links, with the deployments and commits behind each', async () => {
    const { status, body: report } = await gantry.api<DoraReportDto>('GET', '/metrics/dora?app=shop&since=1d');
    expect(status).toBe(200);
    const [d1, d2, d3] = [deployed['1.0.0']!, deployed['2.0.0']!, deployed['3.0.0']!];
    const finished = (d: typeof d1) => Date.parse(d.finishedAt!);

    // Frequency: 1.0.0 and 3.0.0 succeeded in live over one day; 2.0.0 rolled back, staging is another tier.
    expect(report.deploymentFrequency).toMatchObject({ count: 2, days: 1, perDay: 2, perWeek: 14 });
    expect(report.deploymentFrequency.deployments.map((d) => d.id)).toEqual([d1.id, d3.id]);

    // Lead time: c1 and c2 first reached live with 1.0.0; c3 never did (2.0.0 rolled back); 3.0.0 has no commits.
    const lead = { c1: finished(d1) - Date.parse(commitTimes.c1), c2: finished(d1) - Date.parse(commitTimes.c2) };
    expect(report.leadTime.commits.map((c) => [c.sha, c.deploymentId, c.leadTimeMs])).toEqual([
      ['c1', d1.id, lead.c1],
      ['c2', d1.id, lead.c2],
    ]);
    expect(report.leadTime.medianMs).toBe((lead.c1 + lead.c2) / 2);
    expect(report.leadTime.unknown.map((d) => d.id)).toEqual([d3.id]);

    // Failure rate: 2.0.0 rolled back, 3.0.0 had incident I-n within 24 h: 2 of 3.
    expect(report.changeFailureRate).toMatchObject({ failed: 2, total: 3 });
    expect(report.changeFailureRate.rate).toBeCloseTo(2 / 3, 10);
    expect(report.changeFailureRate.failures.map((f) => [f.deployment.id, f.reasons.map((r) => r.text)])).toEqual([
      [d2.id, ['rolled back']],
      [d3.id, [`incident ${incident.id}`]],
    ]);

    // Restore: 2.0.0 from its rolling-back event to the rollback's end; 3.0.0 from the incident opening to its resolution.
    const events = (await gantry.api<{ events: { type: string; at: string }[] }>('GET', `/deployments/${d2.id}/events`)).body.events;
    const rollingBack = events.find((event) => event.type === 'deployment:rolling-back')!.at;
    const restores = { d2: finished(d2) - Date.parse(rollingBack), d3: Date.parse(incident.resolvedAt!) - Date.parse(incident.openedAt) };
    expect(report.timeToRestore.restores.map((r) => [r.deploymentId, r.restoredBy, r.durationMs])).toEqual([
      [d2.id, 'rollback finished', restores.d2],
      [d3.id, `incident ${incident.id} resolved`, restores.d3],
    ]);
    expect(report.timeToRestore.medianMs).toBe((restores.d2 + restores.d3) / 2);

    // The CLI shows the same figures, and the deployments behind them on --details.
    const json = await cli('metrics', 'dora', '--app', 'shop', '--since', '1d', '--json');
    expect(json.code).toBe(0);
    const fromCli = JSON.parse(json.out) as DoraReportDto;
    expect({ ...fromCli, until: '', since: '' }).toEqual({ ...report, until: '', since: '' });
    const text = await cli('metrics', 'dora', '--app', 'shop', '--since', '1d', '--details');
    expect(text.code).toBe(0);
    expect(text.out).toContain('2/day, 14/week (2 successful deployments in 1 day)');
    expect(text.out).toContain('66.7% (2 of 3)');
    expect(text.out).toContain('lead time unknown for 1 deployment');
    expect(text.out).toContain(`lead time unknown: ${d3.id} (shop 3.0.0) has no commits recorded`);
    expect(text.out).toMatch(new RegExp(`${d2.id}\\s+shop\\s+live\\s+2\\.0\\.0\\s+rolled_back\\s+rolled back`));
  });

  it('reads another tier on its own, and refuses a period it cannot read', async () => {
    const staging = (await gantry.api<DoraReportDto>('GET', '/metrics/dora?app=shop&tier=staging&since=1d')).body;
    expect(staging.deploymentFrequency.count).toBe(1);
    expect(staging.changeFailureRate).toMatchObject({ failed: 0, total: 1 });
    const bad = await gantry.api<ProblemDto>('GET', '/metrics/dora?since=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'REQUEST_INVALID', where: 'since' });
    const cliBad = await cli('metrics', 'dora', '--since', 'yesterday');
    expect(cliBad.code).toBe(2);
    expect(cliBad.err).toContain('error[REQUEST_INVALID]: since: expected a time back from now');
  });
});
