import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { AgentTokenDto, ProblemDto, TargetDto } from '../../src/protocol/api.js';
import type { ChangeDto } from '../../src/protocol/changes-api.js';
import type { CiDetailDto, CiDto, ImpactDto, RelationshipDto } from '../../src/protocol/inventory-api.js';
import { captureIo } from '../cli/fake-server.js';
import { startAgent, waitForTarget } from '../support/agent-process.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { makeBuildDir } from '../support/release-dirs.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';

/**
 * The inventory (issue 9) from the real thing: a target registered over a real sshd, one enrolled
 * by a real agent that reports its facts, applications whose environments select them, manual CIs
 * and relationships recorded with the CLI, `gantry impact` with the paths, a scheduled change
 * listed as affected, and manual CIs exported to CSV and imported back (a bad file imports nothing).
 */
const HEADER = 'name,class,owner,lifecycle,serial,model,location,purchaseDate,warrantyUntil,costCentre,description';

for (const dialect of DIALECTS) describe(`inventory and impact analysis (store: ${dialect})`, () => {
  let database: TestDatabase;
  let gantry: TestGantry;
  let sshd: SshdFixture;
  let dir: string;
  const running: ChildProcess[] = [];

  const cli = async (...args: string[]) => {
    const io = captureIo();
    const code = await main(['node', 'gantry', ...args, '--url', gantry.url, '--token', gantry.token], { ...io, env: {}, cwd: dir });
    return { code, out: io.out(), err: io.err() };
  };
  const cis = async (query = '') => (await gantry.api<{ cis: CiDto[] }>('GET', `/cis${query}`)).body.cis;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gantry-inventory-'));
    writeFileSync(join(dir, 'settings.yaml'), 'approvals: { rules: [], otherwise: { name: pre-approved, requirements: [] } }\n');
    database = await createTestDatabase(dialect);
    [sshd, gantry] = await Promise.all([
      startSshd({ count: 1 }),
      startTestGantry({ env: { GANTRY_CHANGE_SETTINGS: join(dir, 'settings.yaml') }, ...(database.postgresUrl ? { postgresUrl: database.postgresUrl } : {}) }),
    ]);
    await gantry.apply('app: storefront\nenvironments:\n  - { name: production, targets: { tier: web } }\nstrategy: { type: allAtOnce }\n');
    await gantry.apply('app: orders\nenvironments:\n  - { name: production, targets: { tier: db } }\n  - { name: staging, targets: { tier: none } }\nstrategy: { type: allAtOnce }\n');
    const host = sshd.hosts[0]!;
    const added = await gantry.api<TargetDto>('POST', '/targets', {
      name: 'db-1',
      labels: { tier: 'db' },
      ssh: { user: host.user, host: host.host, port: host.port, keyPath: sshd.keyPath, knownHostsPath: sshd.knownHostsPath, root: host.root },
    });
    expect(added.status).toBe(201);
    const { token } = (await gantry.api<AgentTokenDto>('POST', '/agent-tokens', { labels: { tier: 'web' } })).body;
    const agent = startAgent(gantry, ['--enrol', token, '--dir', mkdtempSync(join(tmpdir(), 'gantry-agent-dir-')), '--name', 'web-1']);
    running.push(agent.child);
    await waitForTarget(gantry, 'web-1', (target) => target.online === true && target.facts !== null).catch((error: Error) => {
      throw new Error(`${error.message}; the agent said: ${agent.output()}`);
    });
  });
  afterAll(async () => {
    for (const child of running) child.kill('SIGKILL');
    await gantry?.close();
    await sshd?.stop();
    await database?.drop();
  });

  it('discovers targets with their facts, applications and environments, and how they relate', async () => {
    const all = await cis();
    expect(all.map((ci) => ci.ref)).toEqual(['app:orders', 'app:storefront', 'environment:production', 'environment:staging', 'target:db-1', 'target:web-1']);
    const web = all.find((ci) => ci.ref === 'target:web-1')!;
    expect(web).toMatchObject({ source: 'discovered', applications: ['storefront'], environments: ['production'], target: { transport: 'agent', labels: { tier: 'web' } } });
    expect(web.target?.os).toMatch(/\S/);
    expect(web.target?.packageCount).toBeGreaterThan(10);
    expect(web.target?.factsReportedAt).not.toBeNull();
    // SSH targets report no facts.
    expect(all.find((ci) => ci.ref === 'target:db-1')).toMatchObject({ target: { transport: 'ssh', os: null, packageCount: null }, applications: ['orders'] });
    expect(all.find((ci) => ci.ref === 'environment:production')).toMatchObject({ applications: ['orders', 'storefront'] });
    expect(all.find((ci) => ci.ref === 'app:orders')).toMatchObject({ environments: ['production', 'staging'] });
    expect((await cis('?kind=target')).map((ci) => ci.ref)).toEqual(['target:db-1', 'target:web-1']);

    const relationships = (await gantry.api<{ relationships: RelationshipDto[] }>('GET', '/relationships')).body.relationships;
    expect(relationships).toEqual(
      expect.arrayContaining([
        { from: 'app:storefront', type: 'runs-on', to: 'target:web-1', source: 'discovered' },
        { from: 'target:web-1', type: 'part-of', to: 'environment:production', source: 'discovered' },
        { from: 'app:orders', type: 'runs-on', to: 'target:db-1', source: 'discovered' },
        { from: 'target:db-1', type: 'part-of', to: 'environment:production', source: 'discovered' },
      ]),
    );
    expect(relationships).toHaveLength(4);

    const listed = await cli('ci', 'list', '--kind', 'target');
    expect(listed.code, listed.err).toBe(0);
    expect(listed.out).toMatch(/target:web-1\s+discovered\s+agent, .+, \d+ packages, last seen \S+/);
    expect(listed.out).toMatch(/target:db-1\s+discovered\s+ssh, no facts/);
  });

  it('records manual CIs and relationships, and shows what a failure affects with the path, and the scheduled change', async () => {
    expect((await cli('ci', 'add', 'orders-db', '--class', 'database', '--owner', 'dba', '--warranty-until', '2028-06-30')).code).toBe(0);
    expect((await cli('ci', 'add', 'lb-1', '--class', 'load-balancer', '--lifecycle', 'ordered')).code).toBe(0);
    const again = await cli('ci', 'add', 'lb-1', '--class', 'load-balancer');
    expect(again.code).not.toBe(0);
    expect(again.err).toContain('error[CI_EXISTS]');

    for (const [from, type, to] of [
      ['ci:orders-db', 'runs-on', 'target:db-1'],
      ['app:storefront', 'depends-on', 'ci:orders-db'],
      ['ci:lb-1', 'connects-to', 'target:web-1'],
    ] as const) {
      const related = await cli('ci', 'relate', from, type, to);
      expect(related.code, related.err).toBe(0);
      expect(related.out).toContain(`recorded ${from} ${type} ${to}`);
    }
    expect((await cli('ci', 'relate', 'ci:orders-db', 'runs-on', 'target:db-1')).out).toContain('was recorded already');
    const missing = await gantry.api<ProblemDto>('PUT', '/relationships', { from: 'app:storefront', type: 'depends-on', to: 'ci:nowhere' });
    expect(missing.body).toMatchObject({ status: 404, code: 'CI_NOT_FOUND', detail: 'to: ci:nowhere does not exist (see gantry ci list)' });
    const loop = await gantry.api<ProblemDto>('PUT', '/relationships', { from: 'ci:lb-1', type: 'depends-on', to: 'ci:lb-1' });
    expect(loop.body).toMatchObject({ status: 400, code: 'REQUEST_INVALID' });
    const badType = await gantry.api<ProblemDto>('PUT', '/relationships', { from: 'ci:lb-1', type: 'feeds', to: 'ci:orders-db' });
    expect(badType.body.detail).toContain('type: must be one of runs-on, depends-on, connects-to, part-of');

    // A change to the storefront, scheduled for tomorrow (no approvals needed here).
    await gantry.release('storefront', '1.0.0', makeBuildDir({ 'index.html': 'v1' }));
    const window = { start: new Date(Date.now() + 24 * 3_600_000).toISOString(), end: new Date(Date.now() + 25 * 3_600_000).toISOString() };
    const created = await gantry.api<ChangeDto>('POST', '/changes', { app: 'storefront', version: '1.0.0', environment: 'production', title: 'New checkout', plan: { window } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const change = (await gantry.api<ChangeDto>('POST', `/changes/${created.body.id}/submit`)).body;
    expect(change.state).toBe('scheduled');

    const impact = await cli('impact', 'target:db-1');
    expect(impact.code, impact.err).toBe(0);
    const lines = impact.out.split('\n').map((line) => line.trim());
    expect(lines).toContain('app:orders  (app:orders runs-on target:db-1)');
    expect(lines).toContain('app:storefront  (app:storefront depends-on ci:orders-db runs-on target:db-1)');
    expect(lines).toContain('environment:production  (environment:production contains target:db-1)');
    expect(lines).toContain('ci:orders-db  (ci:orders-db runs-on target:db-1)');
    expect(lines).toContain('Applications (2):');
    expect(impact.out).toMatch(new RegExp(`${change.id} scheduled storefront in production .*"New checkout" \\(touches app:storefront, environment:production\\)`));
    expect(impact.out).not.toContain('beyond depth');

    const shallow = (await gantry.api<ImpactDto>('GET', '/impact?ci=target:db-1&depth=1')).body;
    expect(shallow.applications.map((step) => step.ref)).toEqual(['app:orders']);
    expect(shallow.others.map((step) => step.ref)).toEqual(['ci:orders-db']);
    expect(shallow.beyondDepth).toBe(1);
    expect(shallow.changes.map((entry) => [entry.id, entry.because])).toEqual([[change.id, ['environment:production']]]);
    const cut = await cli('impact', 'target:db-1', '--depth', '1');
    expect(cut.out).toContain('1 more CI lie beyond depth 1, not listed');

    // Through the load balancer: the web target it connects to, and what that carries, are not affected by it.
    const lb = (await gantry.api<ImpactDto>('GET', '/impact?ci=target:web-1')).body;
    expect(lb.others).toEqual([expect.objectContaining({ ref: 'ci:lb-1', because: 'ci:lb-1 connects-to target:web-1' })]);
    expect((await gantry.api<ProblemDto>('GET', '/impact?ci=ci:nowhere')).body.code).toBe('CI_NOT_FOUND');

    // Lifecycle: ordered → in use → retired, each dated; retired is final.
    expect((await cli('ci', 'set', 'lb-1', '--lifecycle', 'in_use', '--location', 'rack 7')).code).toBe(0);
    expect((await cli('ci', 'set', 'lb-1', '--lifecycle', 'retired')).code).toBe(0);
    const refused = await cli('ci', 'set', 'lb-1', '--lifecycle', 'in_use');
    expect(refused.code).not.toBe(0);
    expect(refused.err).toContain('lifecycle: lb-1 is retired and cannot become in_use');
    const shown = (await gantry.api<CiDetailDto>('GET', '/cis/ci:lb-1')).body;
    expect(shown.ci.manual).toMatchObject({ class: 'load-balancer', lifecycle: 'retired', location: 'rack 7' });
    expect(Object.keys(shown.ci.manual!.lifecycleDates)).toEqual(['ordered', 'in_use', 'retired']);
    expect(shown.relationships).toEqual([{ from: 'ci:lb-1', type: 'connects-to', to: 'target:web-1', source: 'manual' }]);
    const show = await cli('ci', 'show', 'orders-db');
    expect(show.code, show.err).toBe(0);
    expect(show.out).toMatch(/Warranty until:\s+2028-06-30/);
    expect(show.out).toMatch(/app:storefront\s+depends-on\s+ci:orders-db\s+manual/);
  });

  it('exports manual CIs to CSV and imports them back; a bad file imports nothing and names the line', async () => {
    const exported = await cli('ci', 'export', '--output', 'cis.csv');
    expect(exported.code, exported.err).toBe(0);
    const csv = readFileSync(join(dir, 'cis.csv'), 'utf8');
    expect(csv.split('\n')[0]).toBe(HEADER);
    expect(csv).toContain('orders-db,database,dba,in_use,,,,,2028-06-30,,');

    const back = await cli('ci', 'import', 'cis.csv');
    expect(back.code, back.err).toBe(0);
    expect(back.out).toBe('imported cis.csv: 0 new, 0 updated, 2 unchanged\n');

    writeFileSync(join(dir, 'more.csv'), `${csv.trimEnd()}\nmailer,saas,marketing,in_use,,,,,,CC-42,"outbound mail, via ""the"" provider"\n`.replace('orders-db,database,dba,', 'orders-db,database,dba-team,'));
    const more = await cli('ci', 'import', 'more.csv', '--json');
    expect(more.code, more.err).toBe(0);
    expect(JSON.parse(more.out)).toEqual({ created: ['mailer'], updated: ['orders-db'], unchanged: ['lb-1'] });
    expect((await gantry.api<CiDetailDto>('GET', '/cis/mailer')).body.ci.manual).toMatchObject({ costCentre: 'CC-42', description: 'outbound mail, via "the" provider' });

    writeFileSync(join(dir, 'bad.csv'), `${HEADER}\nswitch-1,network-device,net,in_use,,,,,,,\nswitch-2,network-device,net,in_use,,,,2025-13-01,,,\n`);
    const bad = await cli('ci', 'import', 'bad.csv');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('error[CSV_INVALID]: bad.csv:3: purchaseDate: must be a date written YYYY-MM-DD');
    // A row refused by the stored lifecycle is named by its line too, and nothing of the file is kept.
    writeFileSync(join(dir, 'retire.csv'), `${HEADER}\nswitch-1,network-device,net,in_use,,,,,,,\nlb-1,load-balancer,,in_use,,,,,,,\n`);
    const retired = await cli('ci', 'import', 'retire.csv');
    expect(retired.err).toContain('retire.csv:3: lifecycle: lb-1 is retired and cannot become in_use');
    expect((await cis('?kind=ci')).map((ci) => ci.ref)).toEqual(['ci:lb-1', 'ci:mailer', 'ci:orders-db']);
    expect((await cis('?class=saas')).map((ci) => ci.ref)).toEqual(['ci:mailer']);
    expect((await cis('?lifecycle=retired')).map((ci) => ci.ref)).toEqual(['ci:lb-1']);

    // Deleting a CI removes the relationships recorded with it.
    expect((await cli('ci', 'delete', 'orders-db')).code).toBe(0);
    const after = (await gantry.api<{ relationships: RelationshipDto[] }>('GET', '/relationships?ci=app:storefront')).body.relationships;
    expect(after).toEqual([{ from: 'app:storefront', type: 'runs-on', to: 'target:web-1', source: 'discovered' }]);
    expect((await gantry.api<ProblemDto>('DELETE', '/cis/orders-db')).body.code).toBe('CI_NOT_FOUND');
  });
});
