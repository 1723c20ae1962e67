import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentDto, ProblemDto } from '../../src/protocol/api.js';
import type { DashboardDto } from '../../src/protocol/dashboard-api.js';
import type { CreatedTokenDto } from '../../src/protocol/tokens-api.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { httpApi } from '../support/http-api.js';
import { makeBuildDir } from '../support/release-dirs.js';

/**
 * What the web UI's dashboard reads (issue 8), on a real server and both stores: `GET /dashboard`
 * gives every application × environment the caller may see in one answer, and `GET /activity`
 * streams the deployments the caller may see as they move, ending with `denied` when the
 * caller's token is revoked.
 */
const manifest = (app: string) => `app: ${app}
environments:
  - { name: staging, targets: { role: web } }
  - { name: production, targets: { role: web } }
  - { name: edge, targets: { role: edge } }
strategy: { type: rolling, batch: 1, pauseBetweenBatches: 300ms }
`;

interface ActivityFeed {
  readonly deployments: DeploymentDto[];
  readonly denied: Promise<ProblemDto>;
  close(): void;
}

/** Follows GET /activity, parsing its events as they come. */
async function follow(url: string, token: string): Promise<ActivityFeed> {
  const controller = new AbortController();
  const response = await fetch(`${url}/api/v1/activity`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const deployments: DeploymentDto[] = [];
  let resolveDenied: (problem: ProblemDto) => void = () => undefined;
  const denied = new Promise<ProblemDto>((resolve) => (resolveDenied = resolve));
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body!) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(message)?.[1];
        const data = /^data: (.*)$/m.exec(message)?.[1];
        if (event === 'deployment') deployments.push(JSON.parse(data!) as DeploymentDto);
        if (event === 'denied') resolveDenied(JSON.parse(data!) as ProblemDto);
      }
    }
  })().catch(() => undefined);
  return { deployments, denied, close: () => controller.abort() };
}

for (const dialect of DIALECTS) describe(`the dashboard and its activity stream (store: ${dialect})`, () => {
  let database: TestDatabase;
  let gantry: TestGantry;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    gantry = await startTestGantry(database.postgresUrl ? { postgresUrl: database.postgresUrl } : {});
    for (const name of ['w1', 'w2']) await gantry.addTarget({ name, labels: { role: 'web' }, local: { root: mkdtempSync(join(tmpdir(), `gantry-dash-${name}-`)) } });
    for (const app of ['shop', 'cart']) {
      await gantry.apply(manifest(app));
      await gantry.release(app, '1.0.0', makeBuildDir({ VERSION: '1.0.0' }));
    }
  });
  afterAll(async () => {
    await gantry?.close();
    await database?.drop();
  });

  it('answers every application × environment with live release, latest deployment and health', async () => {
    const done = await gantry.waitFor((await gantry.deploy('shop', '1.0.0', 'staging')).deployment.id);
    const dashboard = (await gantry.api<DashboardDto>('GET', '/dashboard')).body;
    expect(dashboard.applications.map((row) => row.app).sort()).toEqual(['cart', 'shop']);
    const shop = dashboard.applications.find((row) => row.app === 'shop')!;
    expect(shop.strategy).toBe('rolling');
    expect(shop.cells.map((cell) => cell.environment)).toEqual(['staging', 'production', 'edge']);
    expect(shop.cells[0]).toMatchObject({ liveVersion: '1.0.0', liveSince: done.deployment.finishedAt, latest: { id: done.deployment.id, state: 'succeeded' }, progress: null, targets: 2, offlineTargets: 0, health: 'healthy', selector: { role: 'web' } });
    expect(shop.cells[1]).toMatchObject({ liveVersion: null, latest: null, health: 'unknown', targets: 2 });
    // An environment whose selector matches no target has no health to speak of.
    expect(shop.cells[2]).toMatchObject({ targets: 0, health: 'unknown' });
  });

  it('streams the deployments a caller may see as they move, and only those', async () => {
    const minted = await gantry.api<CreatedTokenDto>('POST', '/tokens', { user: 'watcher', role: 'viewer', apps: ['cart'], environments: ['staging'] });
    const watcher = await follow(gantry.url, minted.body.token);
    const admin = await follow(gantry.url, gantry.token);
    try {
      const hidden = await gantry.deploy('shop', '1.0.0', 'production');
      const visible = await gantry.deploy('cart', '1.0.0', 'staging');
      await gantry.waitFor(hidden.deployment.id);
      await gantry.waitFor(visible.deployment.id);
      await expect.poll(() => watcher.deployments.some((deployment) => deployment.id === visible.deployment.id && deployment.state === 'succeeded')).toBe(true);
      await expect.poll(() => admin.deployments.some((deployment) => deployment.id === hidden.deployment.id && deployment.state === 'succeeded')).toBe(true);
      expect(new Set(watcher.deployments.map((deployment) => `${deployment.app}/${deployment.environment}`))).toEqual(new Set(['cart/staging']));
      // The scoped caller's dashboard is cut to the same scope.
      const scoped = (await httpApi(gantry.url, minted.body.token).api<DashboardDto>('GET', '/dashboard')).body;
      expect(scoped.applications.map((row) => [row.app, row.cells.map((cell) => cell.environment)])).toEqual([['cart', ['staging']]]);

      // Revoked: the stream says so and ends, within a recheck period.
      expect((await gantry.api('DELETE', `/tokens/${minted.body.id}`)).status).toBe(204);
      expect((await watcher.denied).code).toBe('UNAUTHORIZED');
    } finally {
      watcher.close();
      admin.close();
    }
  });
});
