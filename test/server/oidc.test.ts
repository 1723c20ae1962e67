import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ProblemDto } from '../../src/protocol/api.js';
import type { SessionDto, UserDto } from '../../src/protocol/users-api.js';
import { signLoginState, type OidcLoginState } from '../../src/server/oidc.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { signInAtProvider, startTestOidcProvider, unsignedToken, type TestOidcProvider } from '../support/oidc-provider.js';

/**
 * Single sign-on against a real OpenID Provider (oidc-provider, on a loopback port): the
 * authorization code flow with PKCE through the provider's own login and consent pages, groups
 * mapped to a role, the session cookie set; and the forgeries of T35 refused — an ID token for
 * another client (wrong audience), an expired one, `alg: none` — and an expired or forged login
 * state.
 */
const SECRET = 'gantry-client-secret-0123456789';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
const PASSWORD = 'correct horse battery staple';

let provider: TestOidcProvider;
let gantry: TestGantry;
let callbackUrl: string;

/** Starts a login at Gantry: the provider URL and Gantry's state cookie. */
async function startLogin(): Promise<{ authorizationUrl: string; stateCookie: string }> {
  const response = await fetch(`${gantry.url}/api/v1/auth/oidc/login`, { redirect: 'manual' });
  expect(response.status).toBe(302);
  const line = response.headers.getSetCookie().find((cookie) => cookie.startsWith('gantry_oidc='))!;
  expect(line.toLowerCase()).toContain('httponly');
  return { authorizationUrl: response.headers.get('location')!, stateCookie: line.split(';')[0]!.slice('gantry_oidc='.length) };
}

/** The provider's redirect back, delivered to Gantry's callback with the state cookie. */
async function callback(location: string, stateCookie: string): Promise<{ status: number; location: string | null; session: string | undefined; problem: ProblemDto | null }> {
  const response = await fetch(location, { redirect: 'manual', headers: { cookie: `gantry_oidc=${stateCookie}` } });
  const session = response.headers.getSetCookie().find((cookie) => cookie.startsWith('gantry_session=') && !cookie.startsWith('gantry_session=;'));
  const text = await response.text();
  return { status: response.status, location: response.headers.get('location'), session: session?.split(';')[0]!.slice('gantry_session='.length), problem: response.status >= 400 ? (JSON.parse(text) as ProblemDto) : null };
}

async function fullLogin(login: string) {
  const { authorizationUrl, stateCookie } = await startLogin();
  const url = new URL(authorizationUrl);
  expect(url.origin).toBe(provider.issuer);
  for (const parameter of ['state', 'nonce', 'code_challenge']) expect(url.searchParams.get(parameter)).toBeTruthy();
  expect(url.searchParams.get('code_challenge_method')).toBe('S256');
  const back = await signInAtProvider(authorizationUrl, login, callbackUrl);
  return callback(back, stateCookie);
}

describe('OIDC single sign-on against a real provider', () => {
  beforeAll(async () => {
    provider = await startTestOidcProvider({
      ann: { name: 'Ann Example', groups: ['platform', 'dev'] },
      carl: { name: 'Carl', groups: ['cab'], preferredUsername: 'carl' },
      dora: { name: 'Dora', groups: [] },
      alice: { name: 'Impostor', groups: ['platform'] },
    });
    const dataDir = mkdtempSync(join(tmpdir(), 'gantry-oidc-'));
    const secretFile = join(dataDir, 'oidc-client-secret');
    writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 });
    // The provider must know Gantry's callback URL, so Gantry gets a port chosen beforehand.
    const port = await freePort();
    callbackUrl = `http://127.0.0.1:${port}/api/v1/auth/oidc/callback`;
    gantry = await startTestGantry({
      listen: `127.0.0.1:${port}`,
      env: {
        GANTRY_OIDC_ISSUER: provider.issuer,
        GANTRY_OIDC_CLIENT_ID: 'gantry',
        GANTRY_OIDC_CLIENT_SECRET_FILE: secretFile,
        GANTRY_OIDC_REDIRECT_URL: callbackUrl,
        GANTRY_OIDC_SCOPES: 'openid profile groups',
      },
    });
    provider.start([
      { id: 'gantry', secret: SECRET, redirectUri: callbackUrl },
      { id: 'other-app', secret: 'other-client-secret-0123456789', redirectUri: callbackUrl },
    ]);
    expect((await gantry.api('POST', '/users', { name: 'alice', role: 'viewer', password: PASSWORD })).status).toBe(201);
    // Group claims map to teams by a claim the team lists, or by the team's own name.
    expect((await gantry.api('POST', '/teams', { name: 'platform-admins', ssoGroups: ['platform'], bindings: [{ role: 'admin' }] })).status).toBe(201);
    expect((await gantry.api('POST', '/teams', { name: 'cab', bindings: [{ role: 'approver', environments: ['production'] }, { role: 'viewer' }] })).status).toBe(201);
  });
  beforeEach(() => {
    provider.forgery = null;
  });
  afterAll(async () => {
    await gantry?.close();
    await provider?.close();
  });

  it('logs a person in through the provider, maps their groups to teams and sets the session cookie', async () => {
    const answer = await fullLogin('ann');
    expect(answer.problem).toBeNull();
    expect(answer.status).toBe(302);
    expect(answer.location).toBe('/');
    expect(answer.session).toMatch(/^gantry_/);
    const session = await fetch(`${gantry.url}/api/v1/session`, { headers: { cookie: `gantry_session=${answer.session!}` } });
    expect(session.status).toBe(200);
    const everything = { role: 'admin', apps: ['*'], environments: ['*'] };
    expect((await session.json()) as SessionDto).toMatchObject({ user: 'ann', groups: ['platform-admins', 'platform', 'dev'], access: [everything], authenticatedBy: 'session' });
    const user = (await gantry.api<UserDto>('GET', '/users/ann')).body;
    expect(user).toMatchObject({ name: 'ann', kind: 'person', displayName: 'Ann Example', hasPassword: false, bindings: [], access: [everything] });
    expect((await gantry.api<{ members: string[] }>('GET', '/teams/platform-admins')).body.members).toEqual(['ann']);

    const carl = await fullLogin('carl');
    expect((await gantry.api<UserDto>('GET', '/users/carl')).body.access).toEqual([
      { role: 'approver', apps: ['*'], environments: ['production'] },
      { role: 'viewer', apps: ['*'], environments: ['*'] },
    ]);
    expect(carl.session).toBeDefined();
    // In no team: signed in, but with no access until an admin gives some.
    const dora = await fullLogin('dora');
    expect((await gantry.api<UserDto>('GET', '/users/dora')).body.access).toEqual([]);
    expect((await fetch(`${gantry.url}/api/v1/session`, { headers: { cookie: `gantry_session=${dora.session!}` } })).status).toBe(403);

    // Each sign-in is in the audit log, with who signed in, and without the code. (The outcome
    // record is written after the response went out: wait for it, boundedly.)
    const signIns = async () =>
      (await gantry.api<{ records: { actor: string; action: string; outcome: string; resource: string }[] }>('GET', '/audit?limit=1000')).body.records.filter((record) => record.action === 'GET /api/v1/auth/oidc/callback');
    const signedIn = async () => (await signIns()).filter((record) => record.outcome === 'status 302').map((record) => record.actor);
    for (let tries = 0; tries < 50 && !(await signedIn()).includes('dora'); tries += 1) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await signedIn()).toEqual(expect.arrayContaining(['ann', 'carl', 'dora']));
    expect(JSON.stringify(await signIns())).not.toContain('code=');
  });

  it('refuses an ID token minted for another client (wrong audience), signed by the provider itself', async () => {
    provider.forgery = ({ header, claims }, sign) => sign(header, { ...claims, aud: 'other-app', azp: 'other-app' });
    const answer = await fullLogin('ann');
    expect(answer.status).toBe(401);
    expect(answer.problem?.code).toBe('OIDC_LOGIN_FAILED');
    expect(answer.session).toBeUndefined();
  });

  it('refuses a code issued to another client', async () => {
    const { authorizationUrl, stateCookie } = await startLogin();
    const url = new URL(authorizationUrl);
    url.searchParams.set('client_id', 'other-app');
    const answer = await callback(await signInAtProvider(url.href, 'ann', callbackUrl), stateCookie);
    expect(answer.problem?.code).toBe('OIDC_LOGIN_FAILED');
    expect(answer.session).toBeUndefined();
  });

  it('refuses an ID token with another nonce than the login sent, or from another issuer', async () => {
    for (const forged of [{ nonce: 'a nonce of another login' }, { iss: 'http://127.0.0.1:1/elsewhere' }]) {
      provider.forgery = ({ header, claims }, sign) => sign(header, { ...claims, ...forged });
      const answer = await fullLogin('ann');
      expect(answer.problem?.code, JSON.stringify(forged)).toBe('OIDC_LOGIN_FAILED');
      expect(answer.session).toBeUndefined();
    }
  });

  it('refuses an expired ID token', async () => {
    const past = Math.floor(Date.now() / 1000) - 3600;
    provider.forgery = ({ header, claims }, sign) => sign(header, { ...claims, iat: past - 600, exp: past });
    const answer = await fullLogin('ann');
    expect(answer.problem?.code).toBe('OIDC_LOGIN_FAILED');
    expect(answer.session).toBeUndefined();
  });

  it('refuses an ID token signed with another key than the provider publishes', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    provider.forgery = ({ header, claims }) => {
      const data = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify({ ...claims, groups: ['platform'] })).toString('base64url')}`;
      return `${data}.${sign('sha256', Buffer.from(data), privateKey).toString('base64url')}`;
    };
    const answer = await fullLogin('dora');
    expect(answer.problem?.code).toBe('OIDC_LOGIN_FAILED');
    expect(answer.session).toBeUndefined();
  });

  it('refuses an unsigned ID token (alg: none)', async () => {
    provider.forgery = ({ header, claims }) => unsignedToken(header, claims);
    const answer = await fullLogin('ann');
    expect(answer.problem?.code).toBe('OIDC_LOGIN_FAILED');
    expect(answer.session).toBeUndefined();
  });

  it('refuses an expired, forged or missing login state', async () => {
    const { authorizationUrl, stateCookie } = await startLogin();
    const state = JSON.parse(Buffer.from(stateCookie.split('.')[0]!, 'base64url').toString('utf8')) as OidcLoginState;
    const back = await signInAtProvider(authorizationUrl, 'ann', callbackUrl);

    const expired = await callback(back, signLoginState(SECRET, { ...state, expiresAt: Date.now() - 1000 }));
    expect(expired.problem?.code).toBe('OIDC_LOGIN_FAILED');
    expect(expired.problem?.detail).toMatch(/expired/);
    const forged = await callback(back, signLoginState('a guessed secret', { ...state, expiresAt: Date.now() + 60_000 }));
    expect(forged.problem?.code).toBe('OIDC_LOGIN_FAILED');
    const missing = await callback(back, '');
    expect(missing.problem?.code).toBe('OIDC_LOGIN_FAILED');
    for (const answer of [expired, forged, missing]) expect(answer.session).toBeUndefined();
    // The genuine state still works for this code (nothing above redeemed it).
    expect((await callback(back, stateCookie)).session).toBeDefined();
  });

  it('does not take over a local user with a password', async () => {
    const answer = await fullLogin('alice');
    expect(answer.problem?.code).toBe('OIDC_LOGIN_FAILED');
    expect((await gantry.api<UserDto>('GET', '/users/alice')).body).toMatchObject({ groups: [], access: [{ role: 'viewer', apps: ['*'], environments: ['*'] }] });
  });
});
