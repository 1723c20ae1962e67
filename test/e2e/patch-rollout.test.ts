import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { DeploymentDetailDto, EventDto, QueuedDeploymentDto, TargetDto } from '../../src/protocol/api.js';
import type { ExposureRowDto, PatchPlanDto } from '../../src/protocol/patch-api.js';
import { captureIo } from '../cli/fake-server.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { makeBuildDir } from '../support/release-dirs.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';

/**
 * Patch rollouts are deployments (issue 9), proven with the real package manager: real `dpkg`
 * keeps a package database under a test directory (`--root`), the packages are `.deb` files built
 * here with `dpkg-deb --build`, and the target is a real sshd whose package commands point there.
 * The server probes the target's inventory over SSH, an OSV advisory names the source package,
 * `gantry patch plan --start` runs a patch deployment through the engine (batches, the live
 * release's health checks), dpkg really upgrades, and the exposure clears. A version that cannot
 * be installed fails the rollout, which halts: packages are never downgraded.
 */
const osRelease = (key: string) => execFileSync('sh', ['-c', `. /etc/os-release && printf %s "$${key}"`], { encoding: 'utf8' });
const q = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/** A binary package of source package `gantry-demo`, with a file that says its version (and, if asked, a pending reboot). */
function buildDeb(repo: string, name: string, version: string, options: { rebootRequired?: boolean } = {}): void {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-deb-'));
  mkdirSync(join(dir, 'DEBIAN'));
  mkdirSync(join(dir, 'usr', 'share', name), { recursive: true });
  writeFileSync(join(dir, 'usr', 'share', name, 'version'), `${version}\n`);
  if (options.rebootRequired) {
    mkdirSync(join(dir, 'var', 'run'), { recursive: true });
    writeFileSync(join(dir, 'var', 'run', 'reboot-required'), '*** System restart required ***\n');
  }
  writeFileSync(
    join(dir, 'DEBIAN', 'control'),
    `Package: ${name}\nSource: gantry-demo\nVersion: ${version}\nArchitecture: all\nMaintainer: Gantry tests <tests@example.invalid>\nDescription: a package for Gantry's patch tests\n`,
  );
  execFileSync('dpkg-deb', ['--root-owner-group', '--build', dir, join(repo, `${name}_${version}_all.deb`)], { stdio: 'pipe' });
}

for (const dialect of DIALECTS) describe(`patch rollouts with real dpkg over real SSH (store: ${dialect})`, () => {
  let sshd: SshdFixture;
  let gantry: TestGantry;
  let database: TestDatabase;
  let root: string;
  let repo: string;
  let marker: string;
  const ecosystem = `${osRelease('ID') === 'ubuntu' ? 'Ubuntu' : 'Debian'}:${osRelease('VERSION_ID')}`;
  const admindir = () => join(root, 'var', 'lib', 'dpkg');
  const installed = (name: string) => execFileSync('dpkg-query', [`--admindir=${admindir()}`, '-W', '-f', '${Version}', name], { encoding: 'utf8' });

  const cli = async (...args: string[]) => {
    const io = captureIo();
    const code = await main(['node', 'gantry', ...args, '--url', gantry.url, '--token', gantry.token], { ...io, env: {} });
    return { code, out: io.out(), err: io.err() };
  };
  const importAdvisory = (id: string, fixed: string, severity = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H') =>
    gantry.api('POST', '/advisories', {
      advisories: [
        {
          where: `${id}.json`,
          record: {
            schema_version: '1.6.0',
            id,
            modified: '2026-11-20T00:00:00Z',
            published: '2026-11-19T00:00:00Z',
            summary: 'gantry-demo problem',
            aliases: [`CVE-${id}`],
            severity: [{ type: 'CVSS_V3', score: severity }],
            affected: [{ package: { ecosystem, name: 'gantry-demo' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }] }],
          },
        },
      ],
    });
  const exposureOf = async (advisory: string) =>
    (await gantry.api<{ exposure: ExposureRowDto[] }>('GET', '/patch/exposure?environment=production&all=true')).body.exposure.find((row) => row.target === 'db-1' && row.advisory === advisory);

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    [sshd, gantry] = await Promise.all([startSshd({ count: 1 }), startTestGantry(database.postgresUrl ? { postgresUrl: database.postgresUrl } : {})]);
    // A dpkg database of its own: gantry-demo-lib and gantry-demo-tool 1.0-1 installed by real dpkg.
    root = mkdtempSync(join(tmpdir(), 'gantry-dpkg-root-'));
    for (const dir of ['info', 'updates', 'triggers']) mkdirSync(join(admindir(), dir), { recursive: true });
    for (const file of ['status', 'available']) writeFileSync(join(admindir(), file), '');
    repo = mkdtempSync(join(tmpdir(), 'gantry-deb-repo-'));
    for (const name of ['gantry-demo-lib', 'gantry-demo-tool']) {
      buildDeb(repo, name, '1.0-1');
      buildDeb(repo, name, '1.0-2', { rebootRequired: name === 'gantry-demo-lib' });
    }
    execFileSync('dpkg', [`--root=${root}`, '--log=/dev/null', '-i', join(repo, 'gantry-demo-lib_1.0-1_all.deb'), join(repo, 'gantry-demo-tool_1.0-1_all.deb')], { stdio: 'pipe' });

    const host = sshd.hosts[0]!;
    marker = join(host.root, 'health-marker');
    writeFileSync(marker, 'ok');
    const added = await gantry.api<TargetDto>('POST', '/targets', {
      name: 'db-1',
      labels: { role: 'db' },
      ssh: { user: host.user, host: host.host, port: host.port, keyPath: sshd.keyPath, knownHostsPath: sshd.knownHostsPath, root: host.root },
      // The package commands are the target's own, pointed at the test's dpkg database.
      packageCommands: {
        list: `dpkg-query --admindir=${q(admindir())} -W -f '\${Status}\\t\${Package}\\t\${Version}\\t\${source:Package}\\n' $GANTRY_PACKAGES | sed -n 's/^[^\\t]* installed\\t//p'`,
        upgrade: `for p in $GANTRY_UPGRADES; do dpkg --root=${q(root)} --log=/dev/null -i ${q(repo)}/"\${p%%=*}_\${p#*=}_all.deb" || exit 1; done`,
        rebootCheck: `test -e ${q(join(root, 'var', 'run', 'reboot-required'))}`,
      },
    });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    // The live release: its health check runs after each upgrade.
    await gantry.apply(`app: ledger
environments:
  - { name: production, targets: { role: db } }
health:
  - command: test -e ${q(marker)}
strategy: { type: rolling, batch: 1, maxFailures: 0, onFailure: rollback }
`);
    await gantry.release('ledger', '1.0', makeBuildDir({ 'index.html': 'ledger' }));
    expect((await gantry.waitFor((await gantry.deploy('ledger', '1.0', 'production')).deployment.id)).deployment.state).toBe('succeeded');
  }, 120_000);
  afterAll(async () => {
    await gantry?.close();
    await sshd?.stop();
    await database?.drop();
  });

  it('takes an inventory of an SSH target by asking the machine over SSH', async () => {
    const probed = await cli('target', 'probe', 'db-1');
    expect(probed.code, probed.err).toBe(0);
    expect(probed.out).toMatch(/packages:\s+2 installed \(dpkg\)/);
    const target = (await gantry.api<TargetDto>('GET', '/targets/db-1')).body;
    expect(target.facts?.os.id).toBe(osRelease('ID'));
    expect(target.facts?.packages).toEqual([
      { name: 'gantry-demo-lib', version: '1.0-1', source: 'gantry-demo' },
      { name: 'gantry-demo-tool', version: '1.0-1', source: 'gantry-demo' },
    ]);
    expect(target.facts?.agentVersion).toBe('none');
    expect(target.facts?.rebootRequired).toBe(false);
  });

  it('plans the upgrade from the advisory and runs it as a deployment that really upgrades with dpkg; the exposure clears', async () => {
    expect((await importAdvisory('DSA-9100-1', '1.0-2')).status).toBe(200);
    expect((await exposureOf('DSA-9100-1'))?.state).toBe('affected_fix_available');

    const plan = (await gantry.api<PatchPlanDto>('POST', '/patch/plan', { environment: 'production', advisory: 'CVE-DSA-9100-1' })).body;
    expect(plan.applications).toEqual([
      {
        app: 'ledger',
        version: '1.0',
        protected: false,
        targets: [
          {
            target: 'db-1',
            upgrades: [
              { name: 'gantry-demo-lib', from: '1.0-1', to: '1.0-2', advisories: ['DSA-9100-1'] },
              { name: 'gantry-demo-tool', from: '1.0-1', to: '1.0-2', advisories: ['DSA-9100-1'] },
            ],
          },
        ],
      },
    ]);
    const shown = await cli('patch', 'plan', 'production', '--advisory', 'DSA-9100-1');
    expect(shown.code, shown.err).toBe(0);
    expect(shown.out).toContain('gantry-demo-lib 1.0-1 → 1.0-2, gantry-demo-tool 1.0-1 → 1.0-2');
    expect(shown.out).toContain('health checks of 1.0 follow the upgrade');

    const started = await cli('patch', 'plan', 'production', '--advisory', 'DSA-9100-1', '--start', '--json');
    expect(started.code, started.err).toBe(0);
    const [queued] = (JSON.parse(started.out) as { deployments: QueuedDeploymentDto[] }).deployments;
    expect(queued?.deployment).toMatchObject({ kind: 'patch', app: 'ledger', environment: 'production', version: '1.0' });
    const detail = await gantry.waitFor(queued!.deployment.id);
    expect(detail.deployment.state, detail.deployment.reason ?? '').toBe('succeeded');
    expect(detail.tasks.map((task) => [task.target, task.state, task.step])).toEqual([['db-1', 'succeeded', 'inventory']]);

    // dpkg really upgraded both binaries of the source package, and the health check ran after.
    expect(installed('gantry-demo-lib')).toBe('1.0-2');
    expect(installed('gantry-demo-tool')).toBe('1.0-2');
    const events = (await gantry.api<{ events: EventDto[] }>('GET', `/deployments/${queued!.deployment.id}/events`)).body.events;
    const steps = events.filter((event) => event.type === 'task:step-succeeded').map((event) => (event.data as { step: string }).step);
    expect(steps).toEqual(['upgrade', 'verify', 'inventory']);
    expect(events.some((event) => event.type === 'task:reboot-required' && event.target === 'db-1')).toBe(true);

    // The read-back versions are the target's facts now: the exposure is fixed, and a reboot is pending.
    expect((await exposureOf('DSA-9100-1'))?.state).toBe('fixed');
    const target = (await gantry.api<TargetDto>('GET', '/targets/db-1')).body;
    expect(target.facts?.rebootRequired).toBe(true);
    expect((await cli('target', 'show', 'db-1')).out).toMatch(/reboot:\s+needed to finish an upgrade/);
    const nothing = await gantry.api<{ code: string; detail: string }>('POST', '/patch/rollouts', { environment: 'production', advisory: 'DSA-9100-1' });
    expect(nothing.status).toBe(409);
    expect(nothing.body.code).toBe('NOTHING_TO_PATCH');
  });

  it('halts a patch rollout whose upgrade fails, without rolling anything back', async () => {
    // No 1.0-3 package exists: dpkg fails on the target.
    expect((await importAdvisory('DSA-9101-1', '1.0-3')).status).toBe(200);
    const started = await gantry.api<{ deployments: QueuedDeploymentDto[] }>('POST', '/patch/rollouts', { environment: 'production', severity: 'critical' });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const detail: DeploymentDetailDto = await gantry.waitFor(started.body.deployments[0]!.deployment.id);
    expect(detail.deployment.state).toBe('failed');
    expect(detail.deployment.reason).toMatch(/^halted: failed on db-1: STEP_FAILED the package upgrade on db-1 exited with code 1/);
    expect(detail.tasks[0]).toMatchObject({ state: 'failed', step: 'upgrade' });
    expect(installed('gantry-demo-lib')).toBe('1.0-2');
    expect((await exposureOf('DSA-9101-1'))?.state).toBe('affected_fix_available');
  });

  it('refuses a selection that is not one advisory or one severity, and an advisory it does not know, starting nothing', async () => {
    const both = await gantry.api<{ code: string }>('POST', '/patch/plan', { environment: 'production', advisory: 'DSA-9100-1', severity: 'high' });
    expect(both.status).toBe(400);
    const unknown = await gantry.api<{ code: string; detail: string }>('POST', '/patch/rollouts', { environment: 'production', advisory: 'DSA-0000-0' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('ADVISORY_NOT_FOUND');
    const deployments = (await gantry.api<{ deployments: { kind: string }[] }>('GET', '/deployments?app=ledger')).body.deployments;
    expect(deployments.filter((deployment) => deployment.kind === 'patch')).toHaveLength(2);
  });
});
