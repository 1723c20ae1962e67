import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';

describe('the API description', () => {
  let gantry: TestGantry;
  beforeAll(async () => {
    gantry = await startTestGantry();
  });
  afterAll(async () => gantry?.close());

  it('serves an OpenAPI document listing every route with its schemas', async () => {
    const { status, body } = await gantry.api<{ openapi: string; paths: Record<string, Record<string, { requestBody?: unknown }>> }>('GET', '/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toMatch(/^3\./);
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/applications',
        '/api/v1/applications/{app}/status',
        '/api/v1/applications/{app}/releases/{version}',
        '/api/v1/applications/{app}/environments/{environment}/rollback',
        '/api/v1/targets',
        '/api/v1/targets/{name}',
        '/api/v1/deployments',
        '/api/v1/deployments/{id}',
        '/api/v1/deployments/{id}/cancel',
        '/api/v1/deployments/{id}/events',
        '/api/v1/deployments/{id}/logs',
        '/api/v1/deployments/{id}/stream',
        '/api/v1/windows',
        '/api/v1/windows/{name}',
        '/api/v1/calendar',
        '/healthz',
      ]),
    );
    expect(body.paths['/api/v1/deployments']?.post?.requestBody).toBeDefined();
    expect(body.paths['/api/v1/windows']?.post?.requestBody).toBeDefined();
  });

  it('needs a token for the document too, but not for /healthz', async () => {
    expect((await fetch(`${gantry.url}/api/v1/openapi.json`)).status).toBe(401);
    expect(await (await fetch(`${gantry.url}/healthz`)).json()).toEqual({ status: 'ok', store: 'ok' });
  });

  it('refuses oversized and malformed bodies with problem+json and keeps serving', async () => {
    const huge = await fetch(`${gantry.url}/api/v1/applications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gantry.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ manifest: 'x'.repeat(3 * 1024 * 1024) }),
    });
    expect(huge.status).toBe(413);
    expect(huge.headers.get('content-type')).toContain('application/problem+json');
    const malformed = await fetch(`${gantry.url}/api/v1/deployments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gantry.token}`, 'content-type': 'application/json' },
      body: '{"app":',
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { code: string }).code).toBe('REQUEST_INVALID');
    expect((await gantry.api('GET', '/targets')).status).toBe(200);
  });
});
