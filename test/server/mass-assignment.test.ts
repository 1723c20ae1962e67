import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProblemDto } from '../../src/protocol/api.js';
import type { ChangeDto } from '../../src/protocol/changes-api.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { makeBuildDir } from '../support/release-dirs.js';

/**
 * T33: a body may not set what the server owns. Each create or edit route gets a body that would
 * be accepted, plus one field a caller may not set; the answer is 400 naming the field, and
 * nothing was created or changed.
 */
const MANIFEST = `app: shop
environments: [{ name: staging, targets: { role: web } }]
`;
const OWNED = { state: 'succeeded', approvals: [{ by: 'me' }], createdBy: 'admin', id: 'mine', requester: 'someone-else', planVersion: 99 };

describe('bodies are strict: fields the server owns are refused, not ignored', () => {
  let gantry: TestGantry;
  let change: ChangeDto;
  const window = { start: new Date(Date.now() + 86_400_000).toISOString(), end: new Date(Date.now() + 90_000_000).toISOString() };

  beforeAll(async () => {
    gantry = await startTestGantry();
    await gantry.addTarget({ name: 'web-1', labels: { role: 'web' }, local: { root: mkdtempSync(join(tmpdir(), 'gantry-strict-')) } });
    await gantry.apply(MANIFEST);
    await gantry.release('shop', '1.0.0', makeBuildDir({ VERSION: '1.0.0' }));
    change = (await gantry.api<ChangeDto>('POST', '/changes', { app: 'shop', version: '1.0.0', environment: 'staging', plan: { window } })).body;
  });
  afterAll(async () => {
    await gantry?.close();
  });

  const routes: [string, string, () => Record<string, unknown>][] = [
    ['POST', '/applications', () => ({ manifest: MANIFEST })],
    ['POST', '/targets', () => ({ name: 'web-2', labels: {}, local: { root: tmpdir() } })],
    ['POST', '/deployments', () => ({ app: 'shop', version: '1.0.0', environment: 'staging' })],
    ['POST', '/changes', () => ({ app: 'shop', version: '1.0.0', environment: 'staging', plan: { window } })],
    ['PATCH', '/changes/C-1', () => ({ title: 'Renamed' })],
    ['POST', '/changes/C-1/approve', () => ({ comment: 'fine' })],
    ['POST', '/windows', () => ({ name: 'nightly', kind: 'maintenance', cron: '0 22 * * *', duration: '2h', timeZone: 'UTC' })],
    ['POST', '/tokens', () => ({ user: 'bob' })],
    ['POST', '/agent-tokens', () => ({})],
    ['PUT', '/applications/shop/secrets/DB_PASSWORD', () => ({ value: 'not-stored' })],
  ];

  for (const [method, path, body] of routes) {
    it(`${method} ${path}`, async () => {
      for (const [field, value] of Object.entries(OWNED)) {
        if (field in body()) continue;
        const answer = await gantry.api<ProblemDto>(method, path, { ...body(), [field]: value });
        expect(answer.status, `${field}: ${JSON.stringify(answer.body)}`).toBe(400);
        expect(answer.body.code).toBe('REQUEST_INVALID');
        expect(JSON.stringify(answer.body)).toContain(field);
      }
    });
  }

  it('created and changed nothing along the way', async () => {
    expect((await gantry.api<{ deployments: unknown[] }>('GET', '/deployments')).body.deployments).toEqual([]);
    expect((await gantry.api<{ changes: ChangeDto[] }>('GET', '/changes')).body.changes.map((c) => [c.id, c.title, c.planVersion, c.approvals.length])).toEqual([[change.id, change.title, 1, 0]]);
    expect((await gantry.api<{ windows: unknown[] }>('GET', '/windows')).body.windows).toEqual([]);
    expect((await gantry.api<{ targets: { name: string }[] }>('GET', '/targets')).body.targets.map((target) => target.name)).toEqual(['web-1']);
    expect((await gantry.api<{ secrets: unknown[] }>('GET', '/applications/shop/secrets')).body.secrets).toEqual([]);
  });
});
