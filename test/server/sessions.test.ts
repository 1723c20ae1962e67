import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServerConfig } from '../../src/config/server-config.js';
import { startGantry } from '../../src/main/serve.js';
import type { ProblemDto } from '../../src/protocol/api.js';
import type { LoginResponseDto, SessionDto } from '../../src/protocol/users-api.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';

/**
 * Web sessions on a real server: a web login sets an HttpOnly, SameSite=Lax session cookie that
 * authenticates like a token; a state-changing request it authenticates needs the session's CSRF
 * token and must not come from another origin; bearer requests are not asked for CSRF proof;
 * logout clears the cookie and the session is dead on the server too.
 */
const PASSWORD = 'correct horse battery staple';
const manifest = (app: string) => `app: ${app}
environments:
  - { name: staging, targets: { role: web } }
strategy: { type: allAtOnce }
`;

let gantry: TestGantry;

interface Answer<T> {
  readonly status: number;
  readonly body: T;
  readonly setCookie: string[];
}

async function call<T>(method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer<T>> {
  const response = await fetch(`${gantry.url}/api/v1${path}`, {
    method,
    headers: { ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    redirect: 'manual',
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, setCookie: response.headers.getSetCookie() };
}

/** The session cookie's value and attributes from a Set-Cookie header. */
function sessionCookie(setCookie: readonly string[]): { value: string; attributes: string[] } {
  const header = setCookie.find((line) => line.startsWith('gantry_session='));
  expect(header, `no gantry_session in ${JSON.stringify(setCookie)}`).toBeDefined();
  const [pair, ...attributes] = header!.split(';').map((part) => part.trim());
  return { value: decodeURIComponent(pair!.slice('gantry_session='.length)), attributes };
}

async function webLogin(): Promise<{ cookie: string; csrf: string; answer: Answer<LoginResponseDto> }> {
  const answer = await call<LoginResponseDto>('POST', '/login', { body: { user: 'alice', password: PASSWORD, session: true } });
  expect(answer.status).toBe(201);
  return { cookie: sessionCookie(answer.setCookie).value, csrf: answer.body.csrfToken!, answer };
}

const applicationExists = async (name: string) => (await gantry.api('GET', `/applications/${name}`)).status === 200;

describe('web sessions', () => {
  beforeAll(async () => {
    gantry = await startTestGantry();
    expect((await gantry.api('POST', '/users', { name: 'alice', role: 'admin', groups: ['ops'], password: PASSWORD })).status).toBe(201);
  });
  afterAll(async () => {
    await gantry?.close();
  });

  it('a web login sets an HttpOnly, SameSite=Lax session cookie living as long as the token, and shows no token', async () => {
    const { cookie, csrf, answer } = await webLogin();
    const { attributes } = sessionCookie(answer.setCookie);
    const lower = attributes.map((attribute) => attribute.toLowerCase());
    expect(lower).toContain('httponly');
    expect(lower).toContain('samesite=lax');
    expect(lower).toContain('path=/');
    expect(lower).toContain('max-age=43200');
    // Plain HTTP: a Secure cookie would never come back.
    expect(lower).not.toContain('secure');
    expect(cookie).toMatch(/^gantry_/);
    expect(answer.body.token).toBeUndefined();
    expect(JSON.stringify(answer.body)).not.toContain(cookie);
    expect(csrf).toBe(createHash('sha256').update(`csrf\0${cookie}`).digest('hex'));
  });

  it('the cookie authenticates reads, and GET /session says who it is with the CSRF token', async () => {
    const { cookie, csrf } = await webLogin();
    expect((await call('GET', '/applications', { headers: { cookie: `gantry_session=${cookie}` } })).status).toBe(200);
    const session = await call<SessionDto>('GET', '/session', { headers: { cookie: `gantry_session=${cookie}` } });
    expect(session.status).toBe(200);
    expect(session.body).toEqual({ user: 'alice', groups: ['ops'], access: [{ role: 'admin', apps: ['*'], environments: ['*'] }], authenticatedBy: 'session', csrfToken: csrf });
    // A forged or unknown cookie is no credential.
    expect((await call<ProblemDto>('GET', '/applications', { headers: { cookie: 'gantry_session=gantry_forged' } })).status).toBe(401);
  });

  it('a state-changing request with the cookie needs the CSRF token, and nothing happens without it', async () => {
    const { cookie, csrf } = await webLogin();
    const withCookie = { cookie: `gantry_session=${cookie}` };

    const bare = await call<ProblemDto>('POST', '/applications', { body: { manifest: manifest('blog') }, headers: withCookie });
    expect(bare.status).toBe(403);
    expect(bare.body.code).toBe('CSRF_REJECTED');
    const wrong = await call<ProblemDto>('POST', '/applications', { body: { manifest: manifest('blog') }, headers: { ...withCookie, 'x-csrf-token': csrf.replace(/.$/, (c) => (c === '0' ? '1' : '0')) } });
    expect(wrong.body.code).toBe('CSRF_REJECTED');
    expect(await applicationExists('blog')).toBe(false);

    const proven = await call('POST', '/applications', { body: { manifest: manifest('blog') }, headers: { ...withCookie, 'x-csrf-token': csrf } });
    expect(proven.status).toBe(201);
    expect(await applicationExists('blog')).toBe(true);

    // From our own origin (as a browser says for our pages): accepted.
    const sameOrigin = await call('POST', '/applications', { body: { manifest: manifest('wiki') }, headers: { ...withCookie, 'x-csrf-token': csrf, origin: gantry.url } });
    expect(sameOrigin.status).toBe(201);
  });

  it('refuses a cross-origin state-changing request even with the cookie and the CSRF token', async () => {
    const { cookie, csrf } = await webLogin();
    const headers = { cookie: `gantry_session=${cookie}`, 'x-csrf-token': csrf };
    const extras: Record<string, string>[] = [{ origin: 'http://evil.example' }, { origin: 'null' }, { 'sec-fetch-site': 'cross-site' }];
    for (const extra of extras) {
      const refused = await call<ProblemDto>('POST', '/applications', { body: { manifest: manifest('forum') }, headers: { ...headers, ...extra } });
      expect(refused.status, JSON.stringify(extra)).toBe(403);
      expect(refused.body.code).toBe('CSRF_REJECTED');
    }
    expect(await applicationExists('forum')).toBe(false);
    // A page of another site cannot log the browser in either.
    const login = await call<ProblemDto>('POST', '/login', { body: { user: 'alice', password: PASSWORD, session: true }, headers: { origin: 'http://evil.example' } });
    expect(login.body.code).toBe('CSRF_REJECTED');
    expect(login.setCookie).toEqual([]);
  });

  it('a bearer request needs no CSRF token, and a cookie does not replace a bad bearer token', async () => {
    const login = await call<LoginResponseDto>('POST', '/login', { body: { user: 'alice', password: PASSWORD } });
    expect(login.status).toBe(201);
    expect(login.setCookie).toEqual([]);
    expect(login.body.csrfToken).toBeUndefined();
    const created = await call('POST', '/applications', { body: { manifest: manifest('docs') }, headers: { authorization: `Bearer ${login.body.token!}`, origin: 'http://elsewhere.example' } });
    expect(created.status).toBe(201);
    const session = await call<SessionDto>('GET', '/session', { headers: { authorization: `Bearer ${login.body.token!}` } });
    expect(session.body.authenticatedBy).toBe('bearer');
    expect(session.body.csrfToken).toBeUndefined();

    const { cookie } = await webLogin();
    const bad = await call('GET', '/applications', { headers: { authorization: 'Bearer gantry_wrong', cookie: `gantry_session=${cookie}` } });
    expect(bad.status).toBe(401);
  });

  it('answers single sign-on routes with OIDC_NOT_CONFIGURED when no provider is configured', async () => {
    for (const path of ['/auth/oidc/login', '/auth/oidc/callback?code=x&state=y']) {
      const answer = await call<ProblemDto>('GET', path);
      expect(answer.status).toBe(404);
      expect(answer.body.code).toBe('OIDC_NOT_CONFIGURED');
    }
  });

  it('logout (with CSRF proof) clears the cookie, and the old cookie is refused', async () => {
    const { cookie, csrf } = await webLogin();
    const headers = { cookie: `gantry_session=${cookie}` };
    expect((await call<ProblemDto>('POST', '/logout', { headers })).body.code).toBe('CSRF_REJECTED');
    expect((await call('GET', '/session', { headers })).status).toBe(200);

    const logout = await call('POST', '/logout', { headers: { ...headers, 'x-csrf-token': csrf } });
    expect(logout.status).toBe(204);
    const cleared = sessionCookie(logout.setCookie);
    expect(cleared.value).toBe('');
    expect(cleared.attributes.some((attribute) => /^max-age=0$/i.test(attribute) || /^expires=.*1970/i.test(attribute))).toBe(true);

    const after = await call<ProblemDto>('GET', '/session', { headers });
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('UNAUTHORIZED');
  });
});

it('over TLS the session cookie is Secure', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gantry-sessions-tls-'));
  const running = await startGantry(loadServerConfig({ dataDir, listen: '127.0.0.1:0', tlsSelfSigned: true }, {}), { logger: pino({ level: 'silent' }) });
  try {
    const admin = { authorization: `Bearer ${running.adminToken!}` };
    const created = await running.server.inject({ method: 'POST', url: '/api/v1/users', headers: admin, payload: { name: 'bob', role: 'viewer', password: PASSWORD } });
    expect(created.statusCode).toBe(201);
    const login = await running.server.inject({ method: 'POST', url: '/api/v1/login', payload: { user: 'bob', password: PASSWORD, session: true, expiresIn: '1h' } });
    expect(login.statusCode).toBe(201);
    const header = [login.headers['set-cookie']].flat().find((line) => line?.startsWith('gantry_session='))!;
    const attributes = header.split(';').map((part) => part.trim().toLowerCase());
    expect(attributes).toContain('secure');
    expect(attributes).toContain('httponly');
    expect(attributes).toContain('max-age=3600');
  } finally {
    await running.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
