import { existsSync, mkdtempSync, readFileSync, readlinkSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentDetailDto, ProblemDto } from '../../src/protocol/api.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { makeBuildDir } from '../support/release-dirs.js';

const TARGETS = ['web-1', 'web-2', 'web-3'];

/** Hooks append to a marker file outside the release, so the test sees every run and its environment. */
function manifest(extra = '', onFailure = 'rollback'): string {
  return `app: shop
environments:
  - { name: staging, targets: { role: web, env: staging } }
  - { name: production, targets: { role: web, env: production } }
lifecycle: [staging, production]
keepReleases: 2
variables:
  GREETING: { default: hello, targets: { web-2: bonjour } }
  TRICKY: "$(touch pwned); \`touch pwned2\` 'quoted' \\"double\\" | cat"
config:
  - { template: app.env.tmpl, path: app.env }
hooks:
  afterInstall: 'printf "%s|%s|%s|%s\\n" "$GANTRY_TARGET" "$GANTRY_RELEASE" "$GANTRY_PREVIOUS_RELEASE" "$TRICKY" >> ../../hooks.log'
  afterActivate: 'echo "activate $GANTRY_RELEASE attempt $GANTRY_ATTEMPT" >> ../../hooks.log; test ! -f "../$GANTRY_PREVIOUS_RELEASE/break-rollback-on-$GANTRY_TARGET"'
health:
  - command: 'test ! -f "$GANTRY_RELEASE_DIR/fail-on-$GANTRY_TARGET"'
    retries: 1
    interval: 100ms
strategy: { type: rolling, batch: 1, maxFailures: 0, onFailure: ${onFailure} }
${extra}`;
}

for (const dialect of DIALECTS) describe(`deploying to local targets (store: ${dialect})`, () => {
  let database: TestDatabase;
  let gantry: TestGantry;
  let roots: Record<string, string>;
  const currentOf = (target: string) => readlinkSync(join(roots[target]!, 'shop', 'current'));

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    gantry = await startTestGantry(database.postgresUrl ? { postgresUrl: database.postgresUrl } : {});
    roots = {};
    for (const name of TARGETS) {
      roots[name] = mkdtempSync(join(tmpdir(), `gantry-${name}-`));
      const added = await gantry.api('POST', '/targets', { name, labels: { role: 'web', env: 'staging' }, local: { root: roots[name] } });
      expect(added.status).toBe(201);
    }
    await gantry.apply(manifest());
    for (const version of ['1.0.0', '2.0.0']) {
      await gantry.release('shop', version, makeBuildDir({ 'app.env.tmpl': 'GREETING={{ GREETING }}\nTRICKY={{ TRICKY }}\n', 'VERSION': version }));
    }
  });
  afterAll(async () => {
    await gantry?.close();
    await database?.drop();
  });

  it('rolls out a release batch by batch, renders config and passes values to hooks literally', async () => {
    const { deployment } = await gantry.deploy('shop', '1.0.0', 'staging');
    const detail = await gantry.waitFor(deployment.id);
    expect(detail.deployment.state).toBe('succeeded');
    expect(detail.deployment.batches).toEqual([['web-1'], ['web-2'], ['web-3']]);
    for (const target of TARGETS) {
      expect(currentOf(target)).toBe('releases/1.0.0');
      const env = readFileSync(join(roots[target]!, 'shop', 'current', 'app.env'), 'utf8');
      expect(env).toContain(`GREETING=${target === 'web-2' ? 'bonjour' : 'hello'}`);
    }
    const hooks = readFileSync(join(roots['web-1']!, 'shop', 'hooks.log'), 'utf8');
    expect(hooks).toContain(`web-1|1.0.0||$(touch pwned); \`touch pwned2\` 'quoted' "double" | cat`);
    expect(hooks).toContain('activate 1.0.0 attempt 1');
    for (const root of Object.values(roots)) {
      expect(readdirSync(join(root, 'shop', 'releases', '1.0.0'))).not.toContain('pwned');
      expect(existsSync(join(root, 'shop', 'releases', '1.0.0', 'pwned2'))).toBe(false);
    }
  });

  it('refuses production before the release succeeded in staging, unless forced', async () => {
    await gantry.api('POST', '/targets', { name: 'prod-1', labels: { role: 'web', env: 'production' }, local: { root: mkdtempSync(join(tmpdir(), 'gantry-prod-')) } });
    const refused = await gantry.api<ProblemDto>('POST', '/deployments', { app: 'shop', version: '2.0.0', environment: 'production' });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('LIFECYCLE_VIOLATION');
    const forced = await gantry.deploy('shop', '2.0.0', 'production', true);
    expect(forced.deployment.forced).toBe(true);
    expect((await gantry.waitFor(forced.deployment.id)).deployment.state).toBe('succeeded');
  });

  it('queues a second deployment of the same app and environment behind the first', async () => {
    const first = await gantry.deploy('shop', '2.0.0', 'staging');
    const second = await gantry.deploy('shop', '1.0.0', 'staging');
    expect(second.waitingFor).toContain(first.deployment.id);
    const [a, b] = await Promise.all([gantry.waitFor(first.deployment.id), gantry.waitFor(second.deployment.id)]);
    expect(a.deployment.state).toBe('succeeded');
    expect(b.deployment.state).toBe('succeeded');
    expect(b.deployment.startedAt! >= a.deployment.finishedAt!).toBe(true);
    // Back on 2.0.0 for the next tests.
    expect((await gantry.waitFor((await gantry.deploy('shop', '2.0.0', 'staging')).deployment.id)).deployment.state).toBe('succeeded');
  });

  it('rolls every switched target back when a health check fails, and leaves untouched ones alone', async () => {
    await gantry.release('shop', '3.0.0', makeBuildDir({ 'app.env.tmpl': 'GREETING={{ GREETING }}\n', 'fail-on-web-2': '' }));
    const { deployment } = await gantry.deploy('shop', '3.0.0', 'staging');
    const detail = await gantry.waitFor(deployment.id);
    expect(detail.deployment.state).toBe('rolled_back');
    expect(detail.deployment.reason).toContain('web-2: HEALTH_CHECK_FAILED');
    const byTarget = Object.fromEntries(detail.tasks.map((task) => [task.target, task]));
    expect(byTarget['web-1']?.state).toBe('rolled_back');
    expect(byTarget['web-2']?.state).toBe('rolled_back');
    expect(byTarget['web-3']?.state).toBe('skipped');
    for (const target of TARGETS) expect(currentOf(target)).toBe('releases/2.0.0');
    expect(existsSync(join(roots['web-3']!, 'shop', 'releases', '3.0.0'))).toBe(false);
    expect(readFileSync(join(roots['web-1']!, 'shop', 'hooks.log'), 'utf8').trim().split('\n').at(-1)).toBe('activate 2.0.0 attempt 1');
  });

  it('fails before touching any target when a template variable has no value', async () => {
    await gantry.release('shop', '4.0.0', makeBuildDir({ 'app.env.tmpl': 'DB={{ DATABASE_URL }}\n' }));
    const { deployment } = await gantry.deploy('shop', '4.0.0', 'staging');
    const detail = await gantry.waitFor(deployment.id);
    expect(detail.deployment.state).toBe('failed');
    expect(detail.deployment.reason).toContain('VARIABLE_MISSING');
    expect(detail.deployment.reason).toContain('DATABASE_URL');
    expect(detail.deployment.reason).toContain('app.env.tmpl:1');
    expect(detail.tasks).toEqual([]);
    for (const target of TARGETS) expect(existsSync(join(roots[target]!, 'shop', 'releases', '4.0.0'))).toBe(false);
  });

  it('rolls an environment back to the previous successful release', async () => {
    const result = await gantry.api<{ deployment: { id: string; version: string; kind: string } }>('POST', '/applications/shop/environments/staging/rollback');
    expect(result.status).toBe(202);
    expect(result.body.deployment).toMatchObject({ version: '1.0.0', kind: 'rollback' });
    expect((await gantry.waitFor(result.body.deployment.id)).deployment.state).toBe('succeeded');
    for (const target of TARGETS) expect(currentOf(target)).toBe('releases/1.0.0');
    // keepReleases 2, plus the live and the previous release, which are never pruned.
    const releases = readdirSync(join(roots['web-1']!, 'shop', 'releases')).filter((name) => !name.startsWith('.'));
    expect(releases).toEqual(expect.arrayContaining(['1.0.0', '2.0.0']));
    expect(releases.length).toBeLessThanOrEqual(4);
  });

  it('cancels a running deployment and kills its hook', async () => {
    await gantry.apply(manifest().replace(/afterInstall: .*/, "afterInstall: 'echo $$ > ../../sleeper.pid; sleep 300'"));
    await gantry.release('shop', '5.0.0', makeBuildDir({ 'app.env.tmpl': '' }));
    const { deployment } = await gantry.deploy('shop', '5.0.0', 'staging');
    const pidFile = join(roots['web-1']!, 'shop', 'sleeper.pid');
    for (let i = 0; i < 200 && !existsSync(pidFile); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const cancel = await gantry.api('POST', `/deployments/${deployment.id}/cancel`);
    expect(cancel.status).toBe(202);
    const detail = await gantry.waitFor(deployment.id);
    expect(detail.deployment.state).toBe('cancelled');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(() => process.kill(pid, 0)).toThrow();
    expect(detail.tasks.find((task) => task.target === 'web-1')?.state).toBe('cancelled');
    await gantry.apply(manifest());
  });

  it('ends rollback_failed, visibly and without retrying, when putting a target back fails', async () => {
    const live = currentOf('web-1');
    await gantry.release('shop', '6.0.0', makeBuildDir({ 'app.env.tmpl': '', 'fail-on-web-2': '', 'break-rollback-on-web-1': '' }));
    const detail = await gantry.waitFor((await gantry.deploy('shop', '6.0.0', 'staging')).deployment.id);
    expect(detail.deployment.state).toBe('rollback_failed');
    expect(detail.tasks.map((task) => [task.target, task.state])).toEqual([
      ['web-1', 'rollback_failed'],
      ['web-2', 'rolled_back'],
      ['web-3', 'skipped'],
    ]);
    expect(detail.tasks[0]?.error?.code).toBe('STEP_FAILED');
    expect(detail.deployment.reason).toContain('rollback failed on web-1 (STEP_FAILED)');
    // The switch back happened before the hook failed; nothing ran it again.
    expect(currentOf('web-1')).toBe(live);
    const attempts = (await gantry.events(detail.deployment.id)).filter((event) => event.type === 'task:rollback-step-started' && event.target === 'web-1' && event.data.step === 'afterActivate');
    expect(attempts).toHaveLength(1);
  });

  it('halts without rolling back when onFailure is halt', async () => {
    await gantry.apply(manifest('', 'halt'));
    const before = currentOf('web-3');
    await gantry.release('shop', '7.0.0', makeBuildDir({ 'app.env.tmpl': '', 'fail-on-web-2': '' }));
    const detail = await gantry.waitFor((await gantry.deploy('shop', '7.0.0', 'staging')).deployment.id);
    expect(detail.deployment.state).toBe('failed');
    expect(detail.deployment.reason).toMatch(/^halted: failed on web-2: HEALTH_CHECK_FAILED/);
    expect(detail.tasks.map((task) => task.state)).toEqual(['succeeded', 'failed', 'skipped']);
    expect(currentOf('web-1')).toBe('releases/7.0.0');
    expect(currentOf('web-3')).toBe(before);
    await gantry.apply(manifest());
  });

  it('answers repeated requests with the same Idempotency-Key with one deployment', async () => {
    const post = (body: unknown) =>
      fetch(`${gantry.url}/api/v1/deployments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gantry.token}`, 'content-type': 'application/json', 'idempotency-key': `retry-${dialect}` },
        body: JSON.stringify(body),
      });
    const request = { app: 'shop', version: '2.0.0', environment: 'staging' };
    const answers = await Promise.all([post(request), post(request), post(request)]);
    const ids = await Promise.all(answers.map(async (answer) => ((await answer.json()) as { deployment: { id: string } }).deployment.id));
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202]);
    expect(new Set(ids).size).toBe(1);
    const misuse = await post({ ...request, version: '1.0.0' });
    expect(misuse.status).toBe(400);
    expect(((await misuse.json()) as ProblemDto).where).toBe('Idempotency-Key');
    expect((await gantry.waitFor(ids[0]!)).deployment.state).toBe('succeeded');
    const recent = await gantry.api<{ deployments: { id: string }[] }>('GET', '/deployments?app=shop&limit=2');
    expect(recent.body.deployments[1]?.id).not.toBe(ids[0]);
  });

  it('answers bad requests with one clear problem and changes nothing', async () => {
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/deployments', { app: 'nope', version: '1.0.0', environment: 'staging' }, 404, 'APP_NOT_FOUND'],
      ['POST', '/deployments', { app: 'shop', version: '9.9.9', environment: 'staging' }, 404, 'RELEASE_NOT_FOUND'],
      ['POST', '/deployments', { app: 'shop', version: '1.0.0', environment: 'qa' }, 404, 'ENVIRONMENT_NOT_FOUND'],
      ['POST', '/deployments', { app: 'shop', version: '1.0.0', environment: 'staging', state: 'succeeded' }, 400, 'REQUEST_INVALID'],
      ['POST', '/deployments', { app: '../x', version: '1.0.0', environment: 'staging' }, 400, 'REQUEST_INVALID'],
      ['POST', '/targets', { name: 'web-1', labels: {}, local: { root: '/tmp/x' } }, 409, 'TARGET_EXISTS'],
      ['POST', '/targets', { name: 'x', labels: {}, ssh: { user: 'root', host: '-oProxyCommand=touch /tmp/pwned', keyPath: '/k', root: '/srv' } }, 400, 'REQUEST_INVALID'],
      ['POST', '/applications', { manifest: 'app: shop\nenvironments: 3\n' }, 400, 'MANIFEST_INVALID'],
      ['GET', '/deployments/nope', undefined, 404, 'DEPLOYMENT_NOT_FOUND'],
      ['GET', '/nothing-here', undefined, 404, 'ROUTE_NOT_FOUND'],
    ];
    const before = await gantry.api<{ deployments: unknown[] }>('GET', '/deployments?limit=500');
    for (const [method, path, body, status, code] of cases) {
      const result = await gantry.api<ProblemDto>(method, path, body);
      expect({ path, status: result.status, code: result.body.code }).toEqual({ path, status, code });
      expect(result.body.detail).toBeTruthy();
    }
    const manifestProblem = await gantry.api<ProblemDto>('POST', '/applications', { manifest: 'app: shop\nenvironments: 3\n', file: 'deploy/gantry.yaml' });
    expect(manifestProblem.body.detail).toBe('deploy/gantry.yaml:2:15: environments: expected array');
    const after = await gantry.api<{ deployments: unknown[] }>('GET', '/deployments?limit=500');
    expect(after.body.deployments.length).toBe(before.body.deployments.length);
    const duplicate = await fetch(`${gantry.url}/api/v1/applications/shop/releases/1.0.0`, { method: 'POST', headers: { authorization: `Bearer ${gantry.token}`, 'content-type': 'application/gzip' }, body: 'x' });
    expect(duplicate.status).toBe(409);
    const unauthenticated = await fetch(`${gantry.url}/api/v1/deployments`);
    expect(unauthenticated.status).toBe(401);
    expect(((await unauthenticated.json()) as ProblemDto).code).toBe('UNAUTHORIZED');
    expect((await fetch(`${gantry.url}/healthz`)).status).toBe(200);
  });


  it('lists deployments with their per-target outcome', async () => {
    const list = await gantry.api<{ deployments: { id: string }[] }>('GET', '/deployments?app=shop');
    const detail = await gantry.api<DeploymentDetailDto>('GET', `/deployments/${list.body.deployments.at(-1)!.id}`);
    expect(detail.body.tasks.every((task) => task.state === 'succeeded')).toBe(true);
  });
});
