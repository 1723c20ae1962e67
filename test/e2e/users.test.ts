import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { ProblemDto, QueuedDeploymentDto } from '../../src/protocol/api.js';
import type { ChangeDto, ChangeEventDto } from '../../src/protocol/changes-api.js';
import type { CreatedTokenDto } from '../../src/protocol/tokens-api.js';
import type { LoginResponseDto, UserDto } from '../../src/protocol/users-api.js';
import { openDatabase, type StoreDatabase } from '../../src/store/database.js';
import { captureIo } from '../cli/fake-server.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { httpApi } from '../support/http-api.js';
import { makeBuildDir } from '../support/release-dirs.js';

/**
 * Users with local passwords, on a real server and both stores: admins manage them, login hands
 * out a token with the user's access, the token follows the user (disabled: refused; role
 * lowered: narrowed, from the next request), logout revokes, the CLI stores its token in the
 * user's config, and a scheduled change is not started for a requester who may no longer.
 */
const MANIFEST = `app: shop
environments:
  - { name: staging, targets: { role: web } }
  - { name: production, targets: { role: web } }
strategy: { type: allAtOnce }
`;
const SETTINGS = 'approvals: { rules: [], otherwise: { name: pre-approved, requirements: [] } }\n';
const PASSWORD = 'correct horse battery staple';

async function loginAs(url: string, user: string, password: string, extra: Record<string, unknown> = {}): Promise<{ status: number; body: LoginResponseDto & { token: string } & ProblemDto }> {
  const response = await fetch(`${url}/api/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, password, ...extra }) });
  return { status: response.status, body: (await response.json()) as LoginResponseDto & { token: string } & ProblemDto };
}

const stdinOf = (text: string) => Readable.from([Buffer.from(text)]);

for (const dialect of DIALECTS) describe(`users, login and logout (store: ${dialect})`, () => {
  let database: TestDatabase;
  let gantry: TestGantry;
  let store: StoreDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    const dataDir = mkdtempSync(join(tmpdir(), 'gantry-users-'));
    const settingsFile = join(dataDir, 'change-settings.yaml');
    writeFileSync(settingsFile, SETTINGS);
    gantry = await startTestGantry({ dataDir, env: { GANTRY_CHANGE_SETTINGS: settingsFile }, ...(database.postgresUrl ? { postgresUrl: database.postgresUrl } : {}) });
    store = database.postgresUrl ? openDatabase({ postgresUrl: database.postgresUrl }) : openDatabase({ sqlitePath: join(dataDir, 'gantry.db') });
    await gantry.addTarget({ name: 'web-1', labels: { role: 'web' }, local: { root: mkdtempSync(join(tmpdir(), 'gantry-users-web-')) } });
    await gantry.apply(MANIFEST);
    await gantry.release('shop', '1.0.0', makeBuildDir({ VERSION: '1.0.0' }));
  });
  afterAll(async () => {
    await store?.close();
    await gantry?.close();
    await database?.drop();
  });

  it('adds, lists and changes users, refusing fields nobody may set', async () => {
    const created = await gantry.api<UserDto>('POST', '/users', { name: 'ann', displayName: 'Ann Example', groups: ['cab'], role: 'deployer', apps: ['shop'], environments: ['staging'], password: PASSWORD });
    expect(created.status).toBe(201);
    const stagingDeployer = { role: 'deployer', apps: ['shop'], environments: ['staging'] };
    expect(created.body).toMatchObject({ name: 'ann', kind: 'person', displayName: 'Ann Example', groups: ['cab'], bindings: [stagingDeployer], access: [stagingDeployer], hasPassword: true, disabledAt: null });
    expect((await gantry.api<ProblemDto>('POST', '/users', { name: 'ann' })).body.code).toBe('USER_EXISTS');
    expect((await gantry.api<ProblemDto>('POST', '/users', { name: 'mallory', passwordHash: '$argon2id$x' })).status).toBe(400);
    expect((await gantry.api<ProblemDto>('POST', '/users', { name: 'mallory', createdAt: '2020-01-01T00:00:00Z' })).status).toBe(400);
    const weak = await gantry.api<ProblemDto>('POST', '/users', { name: 'mallory', password: 'short' });
    expect(weak.body).toMatchObject({ code: 'REQUEST_INVALID' });
    const named = await gantry.api<ProblemDto>('POST', '/users', { name: 'mallory', password: 'i-am-Mallory-really' });
    expect(named.body).toMatchObject({ code: 'REQUEST_INVALID', detail: expect.stringContaining('must not contain the user name') });
    expect(named.body.detail).not.toContain('i-am-Mallory-really');

    for (const field of [{ name: 'bob' }, { passwordHash: '$argon2id$x' }, { createdAt: '2020-01-01T00:00:00Z' }]) {
      const refused = await gantry.api<ProblemDto>('PATCH', '/users/ann', field);
      expect(refused.status, JSON.stringify(field)).toBe(400);
    }
    const patched = await gantry.api<UserDto>('PATCH', '/users/ann', { displayName: 'Ann E.', groups: ['cab', 'dev'] });
    expect(patched.body).toMatchObject({ name: 'ann', displayName: 'Ann E.', groups: ['cab', 'dev'], bindings: [stagingDeployer] });
    expect((await gantry.api<ProblemDto>('PATCH', '/users/nobody', { displayName: 'x' })).body.code).toBe('USER_NOT_FOUND');

    const listed = await gantry.api<{ users: UserDto[] }>('GET', '/users');
    expect(listed.body.users.map((user) => user.name)).toContain('ann');
    expect(JSON.stringify(listed.body)).not.toMatch(/argon2|hash"/i);
    expect((await gantry.api<UserDto>('GET', '/users/ann')).body.hasPassword).toBe(true);
  });

  it('stores only argon2id hashes, never a password', async () => {
    await gantry.api('POST', '/users', { name: 'hashed', password: PASSWORD });
    const rows = await store.db.selectFrom('users').select(['name', 'password_hash']).execute();
    const stored = rows.filter((row) => row.password_hash !== null);
    expect(stored.length).toBeGreaterThan(0);
    for (const row of stored) {
      expect(row.password_hash!.startsWith('$argon2id$')).toBe(true);
      expect(row.password_hash).not.toContain(PASSWORD);
    }
    // The audit log has the body's field names only.
    const audit = JSON.stringify(await store.db.selectFrom('audit_log').selectAll().execute());
    expect(audit).toContain('password');
    expect(audit).not.toContain(PASSWORD);
  });

  it('stores tokens as hashes only: the database holds no usable token', async () => {
    const minted = await gantry.api<CreatedTokenDto>('POST', '/tokens', { user: 'ci', role: 'deployer', label: 'hashed' });
    expect(minted.status).toBe(201);
    await gantry.api('POST', '/users', { name: 'tokened', password: PASSWORD });
    const tokens = [gantry.token, minted.body.token, (await loginAs(gantry.url, 'tokened', PASSWORD)).body.token];
    for (const token of tokens) expect((await httpApi(gantry.url, token).api('GET', '/applications')).status).toBe(200);

    const rows = await store.db.selectFrom('api_tokens').selectAll().execute();
    expect(rows.length).toBeGreaterThanOrEqual(tokens.length);
    const stored = JSON.stringify([rows, await store.db.selectFrom('audit_log').selectAll().execute()]);
    for (const token of tokens) expect(stored).not.toContain(token);
    // What the database holds does not open the door.
    for (const row of rows) {
      for (const held of [row.token_sha256, row.id]) expect((await httpApi(gantry.url, held).api('GET', '/applications')).status, held).toBe(401);
    }
    // Not in the bytes either: the SQLite file and its WAL (the newest pages), or a dump of the PostgreSQL database.
    const files = database.postgresUrl
      ? [{ path: 'pg_dump', bytes: execFileSync('pg_dump', ['--data-only', database.postgresUrl]) }]
      : ['gantry.db', 'gantry.db-wal'].map((name) => join(gantry.dataDir, name)).filter((path) => existsSync(path)).map((path) => ({ path, bytes: readFileSync(path) }));
    expect(files.map((file) => file.path)).toContain(database.postgresUrl ? 'pg_dump' : join(gantry.dataDir, 'gantry.db-wal'));
    // The hashes are there (the search is not vacuous); no token is.
    for (const row of rows) expect(files.some(({ bytes }) => bytes.includes(Buffer.from(row.token_sha256))), row.id).toBe(true);
    for (const { path, bytes } of files) {
      for (const token of tokens) expect(bytes.includes(Buffer.from(token)), `a token in ${path}`).toBe(false);
    }
  });

  it('logs in with the right password; every other failure gets the same 401', async () => {
    await gantry.api('POST', '/users', { name: 'bea', role: 'viewer', password: PASSWORD });
    const ok = await loginAs(gantry.url, 'bea', PASSWORD);
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ user: 'bea', id: expect.any(String), token: expect.stringMatching(/^gantry_/) });
    const lifetime = Date.parse(ok.body.expiresAt) - Date.now();
    expect(lifetime).toBeGreaterThan(11.9 * 3_600_000);
    expect(lifetime).toBeLessThanOrEqual(12 * 3_600_000);
    expect((await httpApi(gantry.url, ok.body.token).api('GET', '/applications')).status).toBe(200);
    expect((await loginAs(gantry.url, 'bea', PASSWORD, { expiresIn: '31d' })).status).toBe(400);

    await gantry.api('POST', '/users', { name: 'cat', password: PASSWORD });
    await gantry.api('PATCH', '/users/cat', { disabled: true });
    await gantry.api('POST', '/users', { name: 'dan' });
    const failures = [
      await loginAs(gantry.url, 'bea', 'wrong horse battery staple'),
      await loginAs(gantry.url, 'nobody-at-all', PASSWORD),
      await loginAs(gantry.url, 'cat', PASSWORD),
      await loginAs(gantry.url, 'dan', PASSWORD),
    ];
    for (const failure of failures) {
      expect(failure.status).toBe(401);
      expect(failure.body).toEqual(failures[0]!.body);
      expect(failure.body).toMatchObject({ code: 'UNAUTHORIZED' });
    }
  });

  it('refuses the tokens of a disabled user from the next request, and takes them back when enabled', async () => {
    await gantry.api('POST', '/users', { name: 'eli', role: 'viewer', password: PASSWORD });
    const loggedIn = httpApi(gantry.url, (await loginAs(gantry.url, 'eli', PASSWORD)).body.token);
    const minted = await gantry.api<CreatedTokenDto>('POST', '/tokens', { user: 'eli', role: 'viewer' });
    const mintedApi = httpApi(gantry.url, minted.body.token);
    expect((await loggedIn.api('GET', '/applications')).status).toBe(200);
    expect((await mintedApi.api('GET', '/applications')).status).toBe(200);
    await gantry.api('PATCH', '/users/eli', { disabled: true });
    expect((await loggedIn.api<ProblemDto>('GET', '/applications')).body.code).toBe('UNAUTHORIZED');
    expect((await mintedApi.api('GET', '/applications')).status).toBe(401);
    await gantry.api('PATCH', '/users/eli', { disabled: false });
    expect((await loggedIn.api('GET', '/applications')).status).toBe(200);
  });

  it("narrows a user's existing tokens when their role is lowered", async () => {
    await gantry.api('POST', '/users', { name: 'fay', role: 'deployer', apps: ['shop'], environments: ['staging'], password: PASSWORD });
    const fay = httpApi(gantry.url, (await loginAs(gantry.url, 'fay', PASSWORD)).body.token);
    // A token an admin minted wider than the user: it is only ever as wide as the user.
    const wide = httpApi(gantry.url, (await gantry.api<CreatedTokenDto>('POST', '/tokens', { user: 'fay', role: 'admin' })).body.token);
    expect((await wide.api('GET', '/tokens')).status).toBe(403);
    expect((await wide.api('POST', '/deployments', { app: 'shop', version: '1.0.0', environment: 'production' })).status).toBe(403);

    const deployed = await fay.api<QueuedDeploymentDto>('POST', '/deployments', { app: 'shop', version: '1.0.0', environment: 'staging' });
    expect(deployed.status).toBe(202);
    await gantry.waitFor(deployed.body.deployment.id);
    await gantry.api('PATCH', '/users/fay', { role: 'viewer' });
    const refused = await fay.api<ProblemDto>('POST', '/deployments', { app: 'shop', version: '1.0.0', environment: 'staging' });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('PERMISSION_DENIED');
    expect((await wide.api('POST', '/deployments', { app: 'shop', version: '1.0.0', environment: 'staging' })).status).toBe(403);
    expect((await fay.api('GET', '/applications/shop')).status).toBe(200);
  });

  it('lets no admin grant more than they hold', async () => {
    const stagingAdmin = httpApi(gantry.url, (await gantry.api<CreatedTokenDto>('POST', '/tokens', { user: 'stage-admin', role: 'admin', environments: ['staging'] })).body.token);
    const refused = await stagingAdmin.api<ProblemDto>('POST', '/users', { name: 'prod-deployer', role: 'deployer', environments: ['production'] });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('PERMISSION_DENIED');
    expect((await gantry.api('GET', '/users/prod-deployer')).status).toBe(404);
    // An admin token of a user who is no longer an admin may not manage users either.
    await gantry.api('POST', '/users', { name: 'former-admin', role: 'admin', password: PASSWORD });
    const former = httpApi(gantry.url, (await loginAs(gantry.url, 'former-admin', PASSWORD)).body.token);
    expect((await former.api('GET', '/users')).status).toBe(200);
    await gantry.api('PATCH', '/users/former-admin', { role: 'release-manager' });
    expect((await former.api('POST', '/users', { name: 'sneaky', role: 'admin' })).status).toBe(403);
  });

  it('changes a password: admins for anyone, users for themselves with the current one; either ends the other logins', async () => {
    await gantry.api('POST', '/users', { name: 'gil', password: PASSWORD });
    const leaked = httpApi(gantry.url, (await loginAs(gantry.url, 'gil', PASSWORD)).body.token);
    const minted = await gantry.api<CreatedTokenDto>('POST', '/tokens', { user: 'gil', role: 'viewer' });
    expect(minted.body.origin).toBe('minted');
    expect((await gantry.api('PUT', '/users/gil/password', { password: 'a whole new passphrase' })).status).toBe(204);
    expect((await loginAs(gantry.url, 'gil', PASSWORD)).status).toBe(401);
    // An admin's reset ends every login made with the old password; minted tokens stay.
    expect((await leaked.api('GET', '/applications')).status).toBe(401);
    expect((await httpApi(gantry.url, minted.body.token).api('GET', '/applications')).status).toBe(200);
    const gil = httpApi(gantry.url, (await loginAs(gantry.url, 'gil', 'a whole new passphrase')).body.token);
    const otherLogin = httpApi(gantry.url, (await loginAs(gantry.url, 'gil', 'a whole new passphrase')).body.token);
    expect((await gil.api<ProblemDto>('PUT', '/me/password', { currentPassword: 'not the current one', password: 'yet another passphrase' })).status).toBe(401);
    expect((await otherLogin.api('GET', '/applications')).status).toBe(200);
    expect((await gil.api('PUT', '/me/password', { currentPassword: 'a whole new passphrase', password: 'yet another passphrase' })).status).toBe(204);
    // Changing one's own password keeps the login it was changed from and ends the others.
    expect((await gil.api('GET', '/applications')).status).toBe(200);
    expect((await otherLogin.api('GET', '/applications')).status).toBe(401);
    expect((await loginAs(gantry.url, 'gil', 'yet another passphrase')).status).toBe(201);
    expect((await gantry.api<ProblemDto>('PUT', '/me/password', { currentPassword: 'x', password: 'yet another passphrase' })).body.code).toBe('USER_NOT_FOUND');
  });

  it('logout revokes the calling token only', async () => {
    await gantry.api('POST', '/users', { name: 'hal', password: PASSWORD });
    const first = httpApi(gantry.url, (await loginAs(gantry.url, 'hal', PASSWORD)).body.token);
    const second = httpApi(gantry.url, (await loginAs(gantry.url, 'hal', PASSWORD)).body.token);
    expect((await first.api('POST', '/logout')).status).toBe(204);
    expect((await first.api('GET', '/applications')).status).toBe(401);
    expect((await second.api('GET', '/applications')).status).toBe(200);
  });

  it('gantry login stores the token (0600) for later commands; gantry logout revokes and removes it', async () => {
    await gantry.api('POST', '/users', { name: 'ivy', role: 'viewer', password: PASSWORD });
    const configHome = mkdtempSync(join(tmpdir(), 'gantry-xdg-'));
    const env = { XDG_CONFIG_HOME: configHome, GANTRY_URL: gantry.url };
    const cli = async (args: string[], stdin = stdinOf('')) => {
      const io = captureIo();
      const code = await main(['node', 'gantry', ...args], { ...io, env, stdin });
      return { code, out: io.out(), err: io.err() };
    };

    const wrong = await cli(['login', '--user', 'ivy'], stdinOf('not the password\n'));
    expect(wrong.code).not.toBe(0);
    expect(wrong.err).toContain('error[UNAUTHORIZED]');
    const login = await cli(['login', '--user', 'ivy', '--expires-in', '2h'], stdinOf(`${PASSWORD}\n`));
    expect(login.err).toBe('');
    expect(login.code).toBe(0);
    expect(login.out).not.toContain('gantry_');
    const file = join(configHome, 'gantry', 'credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(configHome, 'gantry')).mode & 0o777).toBe(0o700);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { servers: Record<string, { token: string; user: string; expiresAt: string }> };
    const entry = saved.servers[gantry.url]!;
    expect(entry.user).toBe('ivy');
    expect(Date.parse(entry.expiresAt) - Date.now()).toBeLessThanOrEqual(2 * 3_600_000);

    const status = await cli(['status', 'shop']);
    expect(status.err).toBe('');
    expect(status.code).toBe(0);
    // A viewer: the stored token is the user's, not an admin's.
    expect((await cli(['user', 'list'])).err).toContain('error[PERMISSION_DENIED]');

    const logout = await cli(['logout']);
    expect(logout.code).toBe(0);
    expect(logout.out).toContain('revoked');
    // The only stored login is gone, and with it the file.
    expect(existsSync(file)).toBe(false);
    expect((await httpApi(gantry.url, entry.token).api('GET', '/applications')).status).toBe(401);
    const after = await cli(['status', 'shop']);
    expect(after.err).toContain('error[UNAUTHORIZED]');
  });

  it('gantry user add | list | disable | enable | set-password', async () => {
    const env = { GANTRY_URL: gantry.url, GANTRY_TOKEN: gantry.token };
    const cli = async (args: string[], stdin = stdinOf('')) => {
      const io = captureIo();
      const code = await main(['node', 'gantry', ...args], { ...io, env, stdin });
      return { code, out: io.out(), err: io.err() };
    };
    const added = await cli(['user', 'add', 'joe', '--role', 'deployer', '--app', 'shop', '--env', 'staging', '--group', 'dev', '--password-stdin'], stdinOf(`${PASSWORD}\n`));
    expect(added.err).toBe('');
    expect(added.out).toContain('added user joe: deployer on shop × staging');
    expect((await loginAs(gantry.url, 'joe', PASSWORD)).status).toBe(201);
    expect((await cli(['user', 'disable', 'joe'])).code).toBe(0);
    expect((await loginAs(gantry.url, 'joe', PASSWORD)).status).toBe(401);
    const listed = await cli(['user', 'list']);
    expect(listed.out).toMatch(/joe .*deployer .*disabled/);
    expect((await cli(['user', 'enable', 'joe'])).code).toBe(0);
    expect((await cli(['user', 'set-password', 'joe', '--password-stdin'], stdinOf('a brand new passphrase\n'))).code).toBe(0);
    expect((await loginAs(gantry.url, 'joe', 'a brand new passphrase')).status).toBe(201);
  });

  // T44: work that runs later on a user's behalf is re-checked when it runs.
  it('holds a scheduled change whose requester was disabled, or lost the change permission, before it starts', async () => {
    const plan = (start: number) => ({
      goals: ['Ship it'],
      window: { start: new Date(start).toISOString(), end: new Date(start + 3_600_000).toISOString() },
      autoStart: true,
      risks: [{ risk: 'none', mitigation: 'rollback' }],
      checklist: [{ item: 'runbook updated', owner: 'kim', status: 'done' }],
    });
    const schedule = async (as: string, environment: string, start: number): Promise<ChangeDto> => {
      await gantry.api('POST', '/users', { name: as, role: 'deployer', password: PASSWORD });
      const requester = httpApi(gantry.url, (await loginAs(gantry.url, as, PASSWORD)).body.token);
      const created = await requester.api<ChangeDto>('POST', '/changes', { app: 'shop', version: '1.0.0', environment, plan: plan(start) });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const submitted = await requester.api<ChangeDto>('POST', `/changes/${created.body.id}/submit`);
      expect(submitted.body.state, JSON.stringify(submitted.body)).toBe('scheduled');
      return submitted.body;
    };
    const heldEvent = async (id: string): Promise<ChangeEventDto> => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const { body } = await gantry.api<{ events: ChangeEventDto[] }>('GET', `/changes/${id}/history`);
        const held = body.events.find((event) => event.type === 'change:start-held');
        if (held) return held;
        if (Date.now() > deadline) throw new Error(`change ${id} was not held: ${JSON.stringify(body.events.map((event) => event.type))}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const expectStillScheduled = async (change: ChangeDto) => {
      const now = await gantry.api<ChangeDto>('GET', `/changes/${change.id}`);
      expect(now.body.state).toBe('scheduled');
      expect(now.body.deploymentId).toBeNull();
      // Out of the way of the next one (same target).
      await gantry.api('POST', `/changes/${change.id}/cancel`);
    };

    const disabledOne = await schedule('kim', 'staging', Date.now() + 2500);
    await gantry.api('PATCH', '/users/kim', { disabled: true });
    expect((await heldEvent(disabledOne.id)).data).toMatchObject({ code: 'PERMISSION_DENIED', message: expect.stringContaining('kim has been disabled') });
    await expectStillScheduled(disabledOne);

    const demotedOne = await schedule('lou', 'production', Date.now() + 2500);
    await gantry.api('PATCH', '/users/lou', { role: 'viewer' });
    expect((await heldEvent(demotedOne.id)).data).toMatchObject({ code: 'PERMISSION_DENIED', message: expect.stringContaining('no longer has the change permission') });
    await expectStillScheduled(demotedOne);
  });
});

describe('login throttling', () => {
  let gantry: TestGantry;
  beforeAll(async () => {
    gantry = await startTestGantry({ env: { GANTRY_AUTH_FAILURES_PER_MINUTE: '5' } });
    await gantry.api('POST', '/users', { name: 'target', password: PASSWORD });
  });
  afterAll(async () => gantry?.close());

  it('counts failed logins like bad tokens, across user names, until 429 AUTH_RATE_LIMITED', async () => {
    const statuses: number[] = [];
    let limited: ProblemDto | undefined;
    for (let attempt = 0; attempt < 12; attempt++) {
      const answer = await loginAs(gantry.url, attempt % 2 === 0 ? 'target' : `someone-${attempt}`, `guess number ${attempt} of many`);
      statuses.push(answer.status);
      if (answer.status === 429) limited = answer.body;
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual(statuses.slice(5).map(() => 429));
    expect(limited?.code).toBe('AUTH_RATE_LIMITED');
    // Even the right password waits now.
    expect((await loginAs(gantry.url, 'target', PASSWORD)).status).toBe(429);
  });
});
