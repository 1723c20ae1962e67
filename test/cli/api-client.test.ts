import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiUnreachableError, createApiClient } from '../../src/client/api-client.js';
import { packReleaseDirectory } from '../../src/client/pack-directory.js';
import { GantryError } from '../../src/core/errors.js';
import { closedPortUrl, deploymentDto, sendJson, sendProblem, startFakeServer, type FakeServer } from './fake-server.js';

describe('createApiClient', () => {
  let server: FakeServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('sends the token and parses the answer with the protocol schema', async () => {
    server = await startFakeServer((_request, response) => sendJson(response, 202, { deployment: deploymentDto(), waitingFor: ['d-0'] }));
    const client = createApiClient({ url: `${server.url}/`, token: 'tok' });
    const queued = await client.deploy({ app: 'shop', version: '1.0.0', environment: 'staging' });
    expect(queued.waitingFor).toEqual(['d-0']);
    const [request] = server.requests;
    expect(request?.url).toBe('/api/v1/deployments');
    expect(request?.headers.authorization).toBe('Bearer tok');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request!.body.toString())).toEqual({ app: 'shop', version: '1.0.0', environment: 'staging' });
  });

  it('rebuilds the GantryError from a problem+json answer', async () => {
    server = await startFakeServer((_request, response) =>
      sendProblem(response, 409, 'DEPLOYMENT_ROLLING_BACK', 'deployment d-1 is rolling back', { where: 'id' }),
    );
    const error = await createApiClient({ url: server.url }).cancelDeployment('d-1').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GantryError);
    expect(error).toMatchObject({ code: 'DEPLOYMENT_ROLLING_BACK', message: 'deployment d-1 is rolling back', details: { where: 'id' } });
    expect((error as GantryError).kind).toBe('conflict');
  });

  it('keeps the problems of MANIFEST_INVALID', async () => {
    const problems = [{ file: 'gantry.yaml', line: 2, column: 3, path: 'app', message: 'is required' }];
    server = await startFakeServer((_request, response) => sendProblem(response, 400, 'MANIFEST_INVALID', 'gantry.yaml:2:3: app: is required', { problems }));
    const error = await createApiClient({ url: server.url }).apply({ manifest: 'x: 1' }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'MANIFEST_INVALID', details: { problems } });
  });

  it('maps an unknown error code to INTERNAL, naming it', async () => {
    server = await startFakeServer((_request, response) => sendProblem(response, 409, 'CHANGE_REQUIRED', 'production needs an approved change'));
    const error = (await createApiClient({ url: server.url }).listTargets().catch((caught: unknown) => caught)) as GantryError;
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toContain('production needs an approved change');
    expect(error.message).toContain('CHANGE_REQUIRED');
  });

  it('maps a non-problem error answer to INTERNAL (401 to UNAUTHORIZED)', async () => {
    server = await startFakeServer((request, response) => {
      response.writeHead(request.url?.includes('targets') ? 502 : 401, { 'content-type': 'text/html' });
      response.end('<html>bad gateway</html>');
    });
    const client = createApiClient({ url: server.url });
    await expect(client.listTargets()).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('HTTP 502') });
    await expect(client.listDeployments()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('refuses an answer that does not match the schema', async () => {
    server = await startFakeServer((_request, response) => sendJson(response, 200, { targets: [{ name: 'x' }] }));
    await expect(createApiClient({ url: server.url }).listTargets()).rejects.toMatchObject({
      code: 'INTERNAL',
      message: expect.stringContaining('does not have the expected shape (at targets.0.transport'),
    });
  });

  it('encodes path segments and query parameters', async () => {
    server = await startFakeServer((_request, response) => sendJson(response, 200, { deployments: [] }));
    await createApiClient({ url: server.url }).listDeployments({ app: 'a b', limit: 5 });
    await createApiClient({ url: server.url }).listDeployments();
    expect(server.requests.map((request) => request.url)).toEqual(['/api/v1/deployments?app=a+b&limit=5', '/api/v1/deployments']);
  });

  it('treats 204 from DELETE as success', async () => {
    server = await startFakeServer((_request, response) => {
      response.writeHead(204);
      response.end();
    });
    await createApiClient({ url: server.url }).removeTarget('web-1');
    expect(server.requests[0]).toMatchObject({ method: 'DELETE', url: '/api/v1/targets/web-1' });
  });

  it('throws ApiUnreachableError when nothing listens', async () => {
    const url = await closedPortUrl();
    const error = await createApiClient({ url }).health().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiUnreachableError);
    expect((error as ApiUnreachableError).message).toBe(`cannot reach the Gantry server at ${url} (is \`gantry serve\` running?)`);
    expect((error as ApiUnreachableError).reason).toBe('ECONNREFUSED');
  });

  it('refuses a URL that is not http(s)', () => {
    expect(() => createApiClient({ url: 'ftp://x' })).toThrow(GantryError);
    expect(() => createApiClient({ url: 'not a url' })).toThrow('is not a URL');
  });

  it('streams a release archive with its query parameters', async () => {
    const release = { app: 'shop', version: '1.0.0', digest: 'sha256:ab', sizeBytes: 4, commit: 'abc', notes: '-x', createdAt: '2025-01-01T00:00:00.000Z' };
    server = await startFakeServer((_request, response) => sendJson(response, 201, release));
    const archive = Readable.from([Buffer.from('ab'), Buffer.from('cd')]);
    const created = await createApiClient({ url: server.url }).createRelease('shop', '1.0.0', archive, { commit: 'abc', notes: '-x' });
    expect(created).toEqual(release);
    expect(server.requests[0]).toMatchObject({ method: 'POST', url: '/api/v1/applications/shop/releases/1.0.0?commit=abc&notes=-x' });
    expect(server.requests[0]?.headers['content-type']).toBe('application/gzip');
    expect(server.requests[0]?.body.toString()).toBe('abcd');
  });

  it('reports a failing archive stream as itself, not as an unreachable server', async () => {
    server = await startFakeServer((_request, response) => sendJson(response, 201, {}));
    const archive = new Readable({
      read() {
        this.destroy(Object.assign(new Error('EACCES: permission denied, open secret'), { code: 'EACCES' }));
      },
    });
    const error = await createApiClient({ url: server.url }).createRelease('shop', '1.0.0', archive).catch((caught: unknown) => caught);
    expect(error).not.toBeInstanceOf(ApiUnreachableError);
    expect((error as Error).message).toContain('EACCES');
  });

  it('packs a directory into a gzipped tar', async () => {
    const archive = await packReleaseDirectory(new URL('.', import.meta.url).pathname);
    const chunks: Buffer[] = [];
    for await (const chunk of archive) chunks.push(chunk as Buffer);
    expect(gunzipSync(Buffer.concat(chunks)).toString('latin1')).toContain('api-client.test.ts');
  });
});

describe('createApiClient tokens', () => {
  it('trims the token (a file read with its newline still works) and refuses one with a newline inside', async () => {
    const server = await startFakeServer((_request, response) => sendJson(response, 200, { targets: [] }));
    try {
      await createApiClient({ url: server.url, token: 'abc\n' }).listTargets();
      expect(server.requests[0]?.headers.authorization).toBe('Bearer abc');
      const error = await createApiClient({ url: server.url, token: 'a\nb' }).listTargets().catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'REQUEST_INVALID' });
      expect(error).not.toBeInstanceOf(ApiUnreachableError);
    } finally {
      await server.close();
    }
  });
});
