import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parsePrometheusTextFormat, { type PrometheusFamily, type PrometheusSample } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentDetailDto } from '../../src/protocol/api.js';
import type { CreatedTokenDto } from '../../src/protocol/tokens-api.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { makeBuildDir } from '../support/release-dirs.js';

type Family = PrometheusFamily;

/**
 * `/metrics` on real deployments to local targets: a success and a failed hook in an environment
 * behind a load balancer (traffic hooks that write to a file), and a queue behind a paused canary.
 * The scrape is parsed with a Prometheus text-format parser; the expected figures come from the API.
 */
for (const dialect of DIALECTS) describe(`/metrics and deployment time (store: ${dialect})`, () => {
  let database: TestDatabase;
  let gantry: TestGantry;
  let trafficLog: string;
  let succeeded: DeploymentDetailDto;
  let failed: DeploymentDetailDto;
  let queuedId: string;

  const scrape = async (token: string | null) =>
    fetch(`${gantry.url}/metrics`, { headers: token === null ? {} : { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
  const families = async (token = gantry.token): Promise<Map<string, Family>> => {
    const response = await scrape(token);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return new Map(parsePrometheusTextFormat(await response.text()).map((family) => [family.name, family]));
  };
  /**
   * One series of a labelled histogram. The parser reads histograms without labels only (it folds a
   * family's series into one, and takes count and sum from unlabelled lines), so it is given the
   * family's header and that series' lines, with their labels but `le` taken off.
   */
  const histogramSeries = async (name: string, labels: Record<string, string>): Promise<PrometheusSample[]> => {
    const text = await (await scrape(gantry.token)).text();
    const pairs = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
    const familyOf = (line: string) => line.slice(0, line.indexOf('{')).replace(/_(bucket|sum|count)$/, '');
    const inSeries = (line: string) => line.includes('{') && familyOf(line) === name && pairs.every((pair) => line.includes(pair));
    const lines = text.split('\n').filter((line) => line.startsWith(`# HELP ${name} `) || line.startsWith(`# TYPE ${name} `) || inSeries(line));
    const leOnly = (labelSet: string) => {
      const le = /le="[^"]*"/.exec(labelSet);
      return le ? `{${le[0]}}` : '';
    };
    const unlabelled = lines.map((line) => line.replace(/\{[^}]*\}/, leOnly));
    const [family, ...others] = parsePrometheusTextFormat(`${unlabelled.join('\n')}\n`);
    expect(others).toEqual([]);
    expect(family?.type).toBe('HISTOGRAM');
    return [...(family?.metrics ?? [])];
  };
  const samples = (all: Map<string, Family>, name: string) => all.get(name)?.metrics ?? [];
  const withLabels = (all: Map<string, Family>, name: string, labels: Record<string, string>) =>
    samples(all, name).filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels?.[key] === value));

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    gantry = await startTestGantry(database.postgresUrl ? { postgresUrl: database.postgresUrl } : {});
    const root = (name: string) => mkdtempSync(join(tmpdir(), `gantry-metrics-${name}-`));
    for (const name of ['web-1', 'web-2']) await gantry.addTarget({ name, labels: { role: 'web' }, local: { root: root(name) } });
    for (const name of ['q-1', 'q-2']) await gantry.addTarget({ name, labels: { role: 'queue' }, local: { root: root(name) } });
    await gantry.addTarget({ name: 'lb', labels: { role: 'lb' }, local: { root: root('lb') } });
    trafficLog = join(root('traffic'), 'traffic.log');

    await gantry.apply(`app: shop
environments:
  - name: staging
    targets: { role: web }
    traffic: { target: lb, server: "127.0.0.1:8080", drainDelay: 200ms, hooks: { drain: 'echo "drain $GANTRY_TARGETS" >> ${trafficLog}', undrain: 'echo "undrain $GANTRY_TARGETS" >> ${trafficLog}' } }
hooks:
  afterInstall: 'test ! -f fail-hook'
strategy: { type: rolling, batch: 1, maxFailures: 0, onFailure: rollback }
`);
    await gantry.release('shop', '1.0.0', makeBuildDir({ VERSION: '1.0.0' }));
    await gantry.release('shop', '2.0.0', makeBuildDir({ VERSION: '2.0.0', 'fail-hook': 'the afterInstall hook fails on this release' }));
    succeeded = await gantry.waitFor((await gantry.deploy('shop', '1.0.0', 'staging')).deployment.id);
    failed = await gantry.waitFor((await gantry.deploy('shop', '2.0.0', 'staging')).deployment.id);

    // A canary that waits for promote holds its environment: the next deployment there queues.
    await gantry.apply(`app: queue
environments:
  - { name: staging, targets: { role: queue } }
strategy: { type: canary, steps: [{ targets: 1 }, { pause: {} }] }
`);
    await gantry.release('queue', '1.0.0', makeBuildDir({ VERSION: '1.0.0' }));
    const paused = (await gantry.deploy('queue', '1.0.0', 'staging')).deployment.id;
    await gantry.waitForEvent(paused, (event) => event.type === 'deployment:paused');
    queuedId = (await gantry.deploy('queue', '1.0.0', 'staging')).deployment.id;
  }, 120_000);
  afterAll(async () => {
    await gantry?.close();
    await database?.drop();
  });

  it('refuses a scrape without a token', async () => {
    const response = await scrape(null);
    expect(response.status).toBe(401);
  });

  it('counts ended deployments by outcome from the store', async () => {
    expect(succeeded.deployment.state).toBe('succeeded');
    expect(failed.deployment.state).not.toBe('succeeded');
    const all = await families();
    expect(all.get('gantry_deployments_total')?.type).toBe('COUNTER');
    const count = (outcome: string) => withLabels(all, 'gantry_deployments_total', { app: 'shop', environment: 'staging', kind: 'deploy', outcome }).map((sample) => Number(sample.value));
    expect(count('succeeded')).toEqual([1]);
    expect(count(failed.deployment.state)).toEqual([1]);
    // The paused canary and the one queued behind it have not ended.
    expect(withLabels(all, 'gantry_deployments_total', { app: 'queue' })).toEqual([]);
  });

  it('has a duration histogram whose buckets hold each finished deployment', async () => {
    expect((await families()).get('gantry_deployment_duration_seconds')?.type).toBe('HISTOGRAM');
    for (const detail of [succeeded, failed]) {
      const { startedAt, finishedAt, state } = detail.deployment;
      const seconds = (Date.parse(finishedAt!) - Date.parse(startedAt!)) / 1000;
      const [series, ...more] = await histogramSeries('gantry_deployment_duration_seconds', { app: 'shop', environment: 'staging', outcome: state });
      expect(more).toEqual([]);
      expect(Number(series!.count)).toBe(1);
      expect(Number(series!.sum)).toBeCloseTo(seconds, 6);
      for (const [le, value] of Object.entries(series!.buckets!)) expect([le, Number(value)]).toEqual([le, le === '+Inf' || seconds <= Number(le) ? 1 : 0]);
    }
  });

  it('reports the queue depth, steps in flight and connected agents', async () => {
    const queued = await gantry.show(queuedId);
    expect(queued.deployment.state).toBe('queued');
    const all = await families();
    expect(withLabels(all, 'gantry_deployments_queued', { app: 'queue', environment: 'staging' }).map((sample) => Number(sample.value))).toEqual([1]);
    expect(withLabels(all, 'gantry_deployments_queued', { app: 'shop' })).toEqual([]);
    // Nothing runs a step now: the canary is paused between batches.
    expect(samples(all, 'gantry_steps_in_flight').reduce((sum, sample) => sum + Number(sample.value), 0)).toBe(0);
    expect(samples(all, 'gantry_agents_connected').map((sample) => Number(sample.value))).toEqual([0]);
    expect(all.get('gantry_notification_deliveries_total')?.type).toBe('COUNTER');
    expect(all.has('gantry_process_cpu_user_seconds_total')).toBe(true);
  });

  it('times HTTP requests by route pattern, never by URL', async () => {
    await gantry.show(succeeded.deployment.id);
    await gantry.api('GET', `/deployments/${succeeded.deployment.id}-missing/events`);
    await fetch(`${gantry.url}/api/v1/no-such-route/${succeeded.deployment.id}`, { headers: { authorization: `Bearer ${gantry.token}` } });
    expect((await families()).get('gantry_http_request_duration_seconds')?.type).toBe('HISTOGRAM');
    const shown = await histogramSeries('gantry_http_request_duration_seconds', { method: 'GET', route: '/api/v1/deployments/:id', status_code: '200' });
    expect(shown).toHaveLength(1);
    expect(Number(shown[0]!.count)).toBeGreaterThanOrEqual(1);
    expect(Number(shown[0]!.buckets!['+Inf'])).toBe(Number(shown[0]!.count));
    const missing = await histogramSeries('gantry_http_request_duration_seconds', { route: '/api/v1/deployments/:id/events', status_code: '404' });
    expect(Number(missing[0]?.count)).toBeGreaterThanOrEqual(1);
    expect(Number((await histogramSeries('gantry_http_request_duration_seconds', { route: 'unmatched', status_code: '404' }))[0]?.count)).toBeGreaterThanOrEqual(1);
    // No label anywhere names a deployment or a URL that matched no route.
    const text = await (await scrape(gantry.token)).text();
    expect(text).not.toContain(succeeded.deployment.id);
    expect(text).not.toContain('no-such-route');
  });

  it('shows a token bound to one application only that application', async () => {
    const created = await gantry.api<CreatedTokenDto>('POST', '/tokens', { user: 'prometheus', role: 'viewer', apps: ['queue'], environments: ['staging'] });
    expect(created.status).toBe(201);
    const all = await families(created.body.token);
    expect(withLabels(all, 'gantry_deployments_queued', { app: 'queue' })).toHaveLength(1);
    expect(withLabels(all, 'gantry_deployments_total', { app: 'shop' })).toEqual([]);
    expect(withLabels(all, 'gantry_deployment_duration_seconds', { app: 'shop' })).toEqual([]);
  });

  it('measures how long each target was out of rotation, from drain to undrain', async () => {
    const log = readFileSync(trafficLog, 'utf8');
    expect(log).toContain('drain web-1\nundrain web-1\ndrain web-2\nundrain web-2\n');
    const time = succeeded.time!;
    expect(time.durationMs).toBe(Date.parse(succeeded.deployment.finishedAt!) - Date.parse(succeeded.deployment.startedAt!));
    expect(time.batches.map((batch) => [batch.batch, batch.finished])).toEqual([
      [0, true],
      [1, true],
    ]);
    const rotation = time.outOfRotation;
    expect(rotation.targets.map((target) => target.target)).toEqual(['web-1', 'web-2']);
    for (const target of rotation.targets) {
      expect(target.gaps).toHaveLength(1);
      expect(target.gaps[0]!.open).toBe(false);
      // drainDelay (200 ms) passes while the target is out.
      expect(target.totalMs).toBeGreaterThanOrEqual(200);
    }
    expect(rotation.targetMs).toBe(rotation.targets[0]!.totalMs + rotation.targets[1]!.totalMs);
    expect(rotation.longestMs).toBe(Math.max(...rotation.targets.map((target) => target.totalMs)));
    const events = (await gantry.events(succeeded.deployment.id)).map((event) => event.type).filter((type) => type.startsWith('traffic:'));
    expect(events).toEqual(['traffic:drained', 'traffic:undrained', 'traffic:drained', 'traffic:undrained']);
  });

  it('puts a target whose install failed back in rotation (it still runs the old release), and counts the time it was out', async () => {
    // web-1 was drained for 2.0.0 and its afterInstall hook failed before the switch: it still
    // serves 1.0.0, so it goes back in rotation, and its gap closes then.
    const [web1, ...others] = failed.time!.outOfRotation.targets;
    expect(others).toEqual([]);
    expect(web1!.target).toBe('web-1');
    expect(web1!.totalMs).toBeGreaterThan(0);
    const forWeb1 = readFileSync(trafficLog, 'utf8').trim().split('\n').filter((line) => line.endsWith(' web-1'));
    expect(forWeb1.slice(-2)).toEqual(['drain web-1', 'undrain web-1']);
    expect(web1!.gaps.at(-1)!.open).toBe(false);
    expect(failed.deployment.state).toBe('rolled_back');
    expect(failed.time!.batches[0]).toMatchObject({ batch: 0, finished: false });
    expect(failed.time!.rollbackMs).not.toBeNull();
  });
});
