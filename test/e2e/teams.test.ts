import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { ProblemDto, QueuedDeploymentDto } from '../../src/protocol/api.js';
import type { ChangeDto } from '../../src/protocol/changes-api.js';
import type { CreatedTokenDto } from '../../src/protocol/tokens-api.js';
import type { LoginResponseDto, SessionDto, TeamDto, UserDto } from '../../src/protocol/users-api.js';
import { captureIo } from '../cli/fake-server.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { httpApi, type HttpApi } from '../support/http-api.js';
import { makeBuildDir } from '../support/release-dirs.js';

/**
 * Teams and multi-binding access (issue 6), on a real server and both stores: a person with
 * several role bindings reaches exactly their union; a team's bindings come on top of its
 * members' own and follow membership and the team itself from the next request; service
 * accounts act only through tokens narrowed to their bindings and never approve; and the CLI
 * manages all of it.
 */
const manifest = (app: string) => `app: ${app}
environments:
  - { name: staging, targets: { role: web } }
  - { name: production, targets: { role: web } }
strategy: { type: allAtOnce }
`;
/** Every change needs one approval from the `approvers` group. */
const SETTINGS = 'approvals: { rules: [], otherwise: { name: cab, requirements: [{ group: approvers, count: 1 }] } }\n';
const PASSWORD = 'correct horse battery staple';
const EVERY = ['*'];

async function loginAs(url: string, user: string, password: string): Promise<{ status: number; body: LoginResponseDto & { token: string } & ProblemDto }> {
  const response = await fetch(`${url}/api/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, password }) });
  return { status: response.status, body: (await response.json()) as LoginResponseDto & { token: string } & ProblemDto };
}

for (const dialect of DIALECTS) describe(`teams, bindings and service accounts (store: ${dialect})`, () => {
  let database: TestDatabase;
  let gantry: TestGantry;
  /** Each change gets its own planned window, so no two book the same target at the same time. */
  let slot = 0;

  const hoursFromNow = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();

  async function mint(body: Record<string, unknown>): Promise<HttpApi> {
    const created = await gantry.api<CreatedTokenDto>('POST', '/tokens', body);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return httpApi(gantry.url, created.body.token);
  }

  async function loggedIn(user: string): Promise<HttpApi> {
    const login = await loginAs(gantry.url, user, PASSWORD);
    expect(login.status, JSON.stringify(login.body)).toBe(201);
    return httpApi(gantry.url, login.body.token);
  }

  /** Deploys as `as`; a queued deployment is waited for (and must succeed), so the next one starts clean. */
  async function deploy(as: HttpApi, app: string, environment: string): Promise<{ status: number; body: QueuedDeploymentDto & ProblemDto }> {
    const answer = await as.api<QueuedDeploymentDto & ProblemDto>('POST', '/deployments', { app, version: '1.0.0', environment });
    if (answer.status === 202) expect((await gantry.waitFor(answer.body.deployment.id)).deployment.state).toBe('succeeded');
    return answer;
  }

  /** A change the admin asks for, submitted and waiting for one approval from `approvers`. */
  async function changeAwaitingApproval(app: string, environment = 'production'): Promise<ChangeDto> {
    const start = 48 + 2 * slot++;
    const created = await gantry.api<ChangeDto>('POST', '/changes', { app, version: '1.0.0', environment, plan: { window: { start: hoursFromNow(start), end: hoursFromNow(start + 1) } } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const submitted = await gantry.api<ChangeDto>('POST', `/changes/${created.body.id}/submit`);
    expect(submitted.body.state, JSON.stringify(submitted.body)).toBe('authorize');
    return submitted.body;
  }

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    const dataDir = mkdtempSync(join(tmpdir(), 'gantry-teams-'));
    const settingsFile = join(dataDir, 'change-settings.yaml');
    writeFileSync(settingsFile, SETTINGS);
    gantry = await startTestGantry({ dataDir, env: { GANTRY_CHANGE_SETTINGS: settingsFile }, ...(database.postgresUrl ? { postgresUrl: database.postgresUrl } : {}) });
    await gantry.addTarget({ name: 'web-1', labels: { role: 'web' }, local: { root: mkdtempSync(join(tmpdir(), 'gantry-teams-web-')) } });
    for (const app of ['shop', 'cart']) {
      await gantry.apply(manifest(app));
      await gantry.release(app, '1.0.0', makeBuildDir({ VERSION: '1.0.0' }));
    }
    // A deployment that runs until cancelled, on its own target, for watching its stream.
    await gantry.addTarget({ name: 'slow-1', labels: { role: 'slow' }, local: { root: mkdtempSync(join(tmpdir(), 'gantry-teams-slow-')) } });
    await gantry.apply("app: slow\nenvironments: [{ name: staging, targets: { role: slow } }]\nhooks: { afterInstall: 'sleep 60' }\n");
    await gantry.release('slow', '1.0.0', makeBuildDir({ VERSION: '1.0.0' }));
  });
  afterAll(async () => {
    await gantry?.close();
    await database?.drop();
  });

  it('gives a person with several bindings exactly their union', async () => {
    const stagingDeployer = { role: 'deployer', apps: EVERY, environments: ['staging'] };
    const shopApprover = { role: 'approver', apps: ['shop'], environments: ['production'] };
    const created = await gantry.api<UserDto>('POST', '/users', {
      name: 'pat',
      groups: ['approvers'],
      bindings: [{ role: 'deployer', environments: ['staging'] }, { role: 'approver', apps: ['shop'], environments: ['production'] }],
      password: PASSWORD,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ kind: 'person', bindings: [stagingDeployer, shopApprover], access: [stagingDeployer, shopApprover] });
    // Not both forms at once.
    const both = await gantry.api<ProblemDto>('POST', '/users', { name: 'pat-two', role: 'viewer', bindings: [{ role: 'viewer' }] });
    expect(both.status).toBe(400);
    expect(both.body).toMatchObject({ code: 'REQUEST_INVALID', where: 'bindings' });

    const pat = await loggedIn('pat');
    const session = await pat.api<SessionDto>('GET', '/session');
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ user: 'pat', groups: ['approvers'], authenticatedBy: 'bearer' });
    expect(session.body.access).toEqual([stagingDeployer, shopApprover]);

    expect((await deploy(pat, 'shop', 'staging')).status).toBe(202);
    expect((await deploy(pat, 'cart', 'staging')).status).toBe(202);
    const production = await deploy(pat, 'shop', 'production');
    expect(production.status).toBe(403);
    expect(production.body.code).toBe('PERMISSION_DENIED');
    // The same answer as for an application that does not exist, or a deployment that does not.
    expect((await deploy(pat, 'ghost', 'production')).body).toEqual(production.body);
    expect((await pat.api<ProblemDto>('POST', '/deployments/d-does-not-exist/cancel')).body).toEqual(production.body);

    const shopChange = await changeAwaitingApproval('shop');
    const approved = await pat.api<ChangeDto>('POST', `/changes/${shopChange.id}/approve`);
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body.state).toBe('scheduled');
    expect(approved.body.approvals).toMatchObject([{ by: 'pat', decision: 'approve' }]);

    const cartChange = await changeAwaitingApproval('cart');
    const refused = await pat.api<ProblemDto>('POST', `/changes/${cartChange.id}/approve`);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('PERMISSION_DENIED');
    expect((await pat.api<ProblemDto>('POST', '/changes/C-999999/approve')).body).toEqual(refused.body);
    expect((await gantry.api<ChangeDto>('GET', `/changes/${cartChange.id}`)).body.state).toBe('authorize');
    // A deployer in staging: may ask for a staging change, not a production one.
    expect((await pat.api('POST', '/changes', { app: 'cart', version: '1.0.0', environment: 'production' })).status).toBe(403);

    for (const change of [shopChange, cartChange]) await gantry.api('POST', `/changes/${change.id}/cancel`);
  });

  it("adds a team's bindings to its members, and takes them away from the very next request", async () => {
    const viewer = { role: 'viewer', apps: EVERY, environments: EVERY };
    const cartProduction = { role: 'deployer', apps: ['cart'], environments: ['production'] };
    const cartStaging = { role: 'deployer', apps: ['cart'], environments: ['staging'] };
    expect((await gantry.api('POST', '/users', { name: 'quinn', role: 'viewer', password: PASSWORD })).status).toBe(201);

    const team = await gantry.api<TeamDto>('POST', '/teams', { name: 'cart-ops', displayName: 'Cart operations', bindings: [{ role: 'deployer', apps: ['cart'], environments: ['production'] }] });
    expect(team.status, JSON.stringify(team.body)).toBe(201);
    expect(team.body).toMatchObject({ name: 'cart-ops', displayName: 'Cart operations', ssoGroups: [], bindings: [cartProduction], members: [] });

    const joined = await gantry.api<TeamDto>('PUT', '/teams/cart-ops/members/quinn');
    expect(joined.status, JSON.stringify(joined.body)).toBe(200);
    expect(joined.body.members).toEqual(['quinn']);
    expect((await gantry.api<TeamDto>('GET', '/teams/cart-ops')).body.members).toEqual(['quinn']);
    const listed = await gantry.api<{ teams: TeamDto[] }>('GET', '/teams');
    expect(listed.body.teams.find((candidate) => candidate.name === 'cart-ops')).toMatchObject({ members: ['quinn'], bindings: [cartProduction] });
    const member = await gantry.api<UserDto>('GET', '/users/quinn');
    expect(member.body).toMatchObject({ groups: ['cart-ops'], bindings: [viewer], access: [viewer, cartProduction] });

    // Minted wider than quinn: it reaches what quinn (with the team) may do, and no more.
    const token = await mint({ user: 'quinn', role: 'deployer' });
    expect((await token.api<SessionDto>('GET', '/session')).body.access).toEqual([viewer, cartProduction]);
    expect((await deploy(token, 'cart', 'production')).status).toBe(202);
    expect((await deploy(token, 'cart', 'staging')).status).toBe(403);
    expect((await deploy(token, 'shop', 'production')).status).toBe(403);

    // Out of the team: refused from the next request.
    const left = await gantry.api<TeamDto>('DELETE', '/teams/cart-ops/members/quinn');
    expect(left.status).toBe(200);
    expect(left.body.members).toEqual([]);
    const refused = await deploy(token, 'cart', 'production');
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('PERMISSION_DENIED');
    expect((await gantry.api<UserDto>('GET', '/users/quinn')).body).toMatchObject({ groups: [], bindings: [viewer], access: [viewer] });
    expect((await token.api('GET', '/applications/cart')).status).toBe(200);

    // Back in: the same token reaches it again.
    expect((await gantry.api('PUT', '/teams/cart-ops/members/quinn')).status).toBe(200);
    expect((await deploy(token, 'cart', 'production')).status).toBe(202);

    // The team narrowed: production is gone from the next request, staging is there.
    const narrowed = await gantry.api<TeamDto>('PATCH', '/teams/cart-ops', { bindings: [cartStaging] });
    expect(narrowed.status, JSON.stringify(narrowed.body)).toBe(200);
    expect(narrowed.body).toMatchObject({ bindings: [cartStaging], members: ['quinn'], displayName: 'Cart operations' });
    expect((await deploy(token, 'cart', 'production')).status).toBe(403);
    expect((await deploy(token, 'cart', 'staging')).status).toBe(202);

    // The team deleted: its bindings and its name are gone from quinn at once, so a team made
    // later under the same name does not hand them back.
    expect((await gantry.api('DELETE', '/teams/cart-ops')).status).toBe(204);
    expect((await deploy(token, 'cart', 'staging')).status).toBe(403);
    expect((await gantry.api<ProblemDto>('GET', '/teams/cart-ops')).body.code).toBe('TEAM_NOT_FOUND');
    expect((await gantry.api<UserDto>('GET', '/users/quinn')).body).toMatchObject({ bindings: [viewer], access: [viewer] });
    expect((await gantry.api<UserDto>('GET', '/users/quinn')).body.groups).not.toContain('cart-ops');
    const again = await gantry.api<TeamDto>('POST', '/teams', { name: 'cart-ops', bindings: [{ role: 'admin' }] });
    expect(again.body.members).toEqual([]);
    expect((await deploy(token, 'cart', 'staging')).status).toBe(403);
    expect((await gantry.api('DELETE', '/teams/cart-ops')).status).toBe(204);
    expect((await token.api('GET', '/applications/cart')).status).toBe(200);
  });

  // T32: access taken away while a log stream is open closes the stream, not just the next request.
  it('ends an open progress stream once its credential no longer covers the deployment', async () => {
    const { deployment } = await gantry.deploy('slow', '1.0.0', 'staging');
    await gantry.waitForEvent(deployment.id, (event) => event.type === 'task:step-started' && event.data.step === 'afterInstall');
    await gantry.api('POST', '/teams', { name: 'slow-watchers', bindings: [{ role: 'viewer', apps: ['slow'] }] });
    await gantry.api('POST', '/users', { name: 'sid', bindings: [], groups: ['slow-watchers'], password: PASSWORD });
    const viaTeam = await loginAs(gantry.url, 'sid', PASSWORD);
    const minted = (await gantry.api<CreatedTokenDto>('POST', '/tokens', { user: 'watcher-bot', role: 'viewer', apps: ['slow'] })).body;

    /** Opens the stream and reads it until it ends; resolves with what it said. */
    const watch = async (token: string) => {
      const response = await fetch(`${gantry.url}/api/v1/deployments/${deployment.id}/stream`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      let opened!: () => void;
      const firstEvent = new Promise<void>((resolve) => (opened = resolve));
      const ended = (async () => {
        for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
          text += decoder.decode(chunk.value, { stream: true });
          if (text.includes('event: progress')) opened();
        }
        return text;
      })();
      await firstEvent;
      return ended;
    };
    const teamStream = watch(viaTeam.body.token);
    const tokenStream = watch(minted.token);
    // Both are open and streaming; now take the access away.
    const [team, token] = await Promise.all([
      (async () => {
        expect((await gantry.api('DELETE', '/teams/slow-watchers/members/sid')).status).toBe(200);
        return teamStream;
      })(),
      (async () => {
        expect((await gantry.api('DELETE', `/tokens/${minted.id}`)).status).toBe(204);
        return tokenStream;
      })(),
    ]);
    const deniedOf = (text: string) => JSON.parse(/event: denied\ndata: (.*)\n/.exec(text)![1]!) as ProblemDto;
    expect(deniedOf(team).code).toBe('PERMISSION_DENIED');
    expect(deniedOf(token).code).toBe('UNAUTHORIZED');
    for (const text of [team, token]) expect(text).not.toContain('event: end');

    await gantry.api('POST', `/deployments/${deployment.id}/cancel`);
    expect((await gantry.waitFor(deployment.id)).deployment.state).toBe('cancelled');
  });

  it('refuses team requests that name no team, repeat one, or carry what a team does not have', async () => {
    expect((await gantry.api('POST', '/users', { name: 'rory', password: PASSWORD })).status).toBe(201);
    const missing = await gantry.api<ProblemDto>('PUT', '/teams/no-such-team/members/rory');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('TEAM_NOT_FOUND');
    expect((await gantry.api<ProblemDto>('DELETE', '/teams/no-such-team/members/rory')).body.code).toBe('TEAM_NOT_FOUND');
    expect((await gantry.api<ProblemDto>('PATCH', '/teams/no-such-team', { displayName: 'x' })).body.code).toBe('TEAM_NOT_FOUND');
    expect((await gantry.api<ProblemDto>('DELETE', '/teams/no-such-team')).body.code).toBe('TEAM_NOT_FOUND');

    expect((await gantry.api('POST', '/teams', { name: 'web-ops', bindings: [{ role: 'viewer' }] })).status).toBe(201);
    const duplicate = await gantry.api<ProblemDto>('POST', '/teams', { name: 'web-ops' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.code).toBe('TEAM_EXISTS');
    expect((await gantry.api<ProblemDto>('PUT', '/teams/web-ops/members/nobody-at-all')).body.code).toBe('USER_NOT_FOUND');

    const unknownField = await gantry.api<ProblemDto>('POST', '/teams', { name: 'odd-ops', colour: 'red' });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.code).toBe('REQUEST_INVALID');
    expect(unknownField.body.detail).toContain('"colour"');
    const badRole = await gantry.api<ProblemDto>('POST', '/teams', { name: 'odd-ops', bindings: [{ role: 'overlord' }] });
    expect(badRole.status).toBe(400);
    expect(badRole.body.code).toBe('REQUEST_INVALID');
    expect(badRole.body.where).toBe('body.bindings.0.role');
    const unknownInBinding = await gantry.api<ProblemDto>('POST', '/teams', { name: 'odd-ops', bindings: [{ role: 'viewer', env: ['staging'] }] });
    expect(unknownInBinding.status).toBe(400);
    expect(unknownInBinding.body.detail).toContain('env');
    const renamed = await gantry.api<ProblemDto>('PATCH', '/teams/web-ops', { name: 'other-ops' });
    expect(renamed.status).toBe(400);
    expect(renamed.body.detail).toContain('name');
    expect((await gantry.api<ProblemDto>('GET', '/teams/odd-ops')).status).toBe(404);

    // Only for those who manage users: a team member cannot see or change teams.
    const rory = await loggedIn('rory');
    expect((await rory.api<ProblemDto>('GET', '/teams')).status).toBe(403);
    expect((await rory.api<ProblemDto>('PUT', '/teams/web-ops/members/rory')).status).toBe(403);
  });

  it('lets a service account act only through its tokens, narrowed to its bindings, and never approve', async () => {
    const shopStaging = { role: 'deployer', apps: ['shop'], environments: ['staging'] };
    const created = await gantry.api<UserDto>('POST', '/users', { name: 'ci', kind: 'service', bindings: [shopStaging] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ name: 'ci', kind: 'service', bindings: [shopStaging], access: [shopStaging], hasPassword: false });
    // A service account without bindings has none (a person would read everything).
    expect((await gantry.api<UserDto>('POST', '/users', { name: 'ci-bare', kind: 'service' })).body).toMatchObject({ kind: 'service', bindings: [], access: [] });

    const withPassword = await gantry.api<ProblemDto>('POST', '/users', { name: 'ci-pw', kind: 'service', password: PASSWORD });
    expect(withPassword.status).toBe(400);
    expect(withPassword.body).toMatchObject({ code: 'REQUEST_INVALID', where: 'password' });
    expect((await gantry.api('GET', '/users/ci-pw')).status).toBe(404);
    const setPassword = await gantry.api<ProblemDto>('PUT', '/users/ci/password', { password: PASSWORD });
    expect(setPassword.status).toBe(400);
    expect(setPassword.body.code).toBe('REQUEST_INVALID');
    const login = await loginAs(gantry.url, 'ci', PASSWORD);
    expect(login.status).toBe(401);
    expect(login.body).toEqual((await loginAs(gantry.url, 'nobody-at-all', PASSWORD)).body);

    // Minted as an admin on everything, it is only ever what ci may do.
    const ci = await mint({ user: 'ci', role: 'admin' });
    expect((await ci.api<SessionDto>('GET', '/session')).body.access).toEqual([shopStaging]);
    expect((await deploy(ci, 'shop', 'staging')).status).toBe(202);
    expect((await deploy(ci, 'shop', 'production')).body.code).toBe('PERMISSION_DENIED');
    expect((await deploy(ci, 'cart', 'staging')).status).toBe(403);
    expect((await ci.api<ProblemDto>('POST', '/users', { name: 'ci-made', role: 'viewer' })).status).toBe(403);
    expect((await ci.api<ProblemDto>('POST', '/tokens', { user: 'ci' })).status).toBe(403);
    expect((await ci.api<ProblemDto>('POST', '/teams', { name: 'ci-team' })).status).toBe(403);

    // Even an approver binding and the group the policy needs do not make it an approver.
    const shopApprover = { role: 'approver', apps: ['shop'], environments: ['production'] };
    const widened = await gantry.api<UserDto>('PATCH', '/users/ci', { groups: ['approvers'], bindings: [shopStaging, shopApprover] });
    expect(widened.status, JSON.stringify(widened.body)).toBe(200);
    const approving = await mint({ user: 'ci', role: 'admin', groups: ['approvers'] });
    expect((await approving.api<SessionDto>('GET', '/session')).body).toMatchObject({ groups: ['approvers'], access: [shopStaging, shopApprover] });
    const change = await changeAwaitingApproval('shop');
    const approve = await approving.api<ProblemDto>('POST', `/changes/${change.id}/approve`);
    expect(approve.status).toBe(403);
    expect(approve.body).toMatchObject({ code: 'APPROVER_NOT_ELIGIBLE', detail: expect.stringContaining('service account') });
    expect((await approving.api<ProblemDto>('POST', `/changes/${change.id}/reject`)).body.code).toBe('APPROVER_NOT_ELIGIBLE');
    expect((await approving.api<ProblemDto>('POST', `/changes/${change.id}/send-back`)).body.code).toBe('APPROVER_NOT_ELIGIBLE');
    expect((await gantry.api<ChangeDto>('GET', `/changes/${change.id}`)).body).toMatchObject({ state: 'authorize', approvals: [] });
    await gantry.api('POST', `/changes/${change.id}/cancel`);

    // Disabled: every token of it is refused.
    expect((await gantry.api('PATCH', '/users/ci', { disabled: true })).status).toBe(200);
    for (const token of [ci, approving]) {
      const answer = await token.api<ProblemDto>('GET', '/applications');
      expect(answer.status).toBe(401);
      expect(answer.body.code).toBe('UNAUTHORIZED');
    }
    expect((await deploy(ci, 'shop', 'staging')).status).toBe(401);
  });

  it('gantry user add --service --bind | team add | add-member | list | show | set-access --none | delete', async () => {
    const env = { GANTRY_URL: gantry.url, GANTRY_TOKEN: gantry.token };
    const cli = async (args: string[]) => {
      const io = captureIo();
      const code = await main(['node', 'gantry', ...args], { ...io, env });
      return { code, out: io.out(), err: io.err() };
    };

    const service = await cli(['user', 'add', 'ci2', '--service', '--bind', 'deployer:shop:staging']);
    expect(service.err).toBe('');
    expect(service.code).toBe(0);
    expect(service.out).toContain('added service account ci2: deployer on shop × staging');
    expect((await gantry.api<UserDto>('GET', '/users/ci2')).body).toMatchObject({ kind: 'service', bindings: [{ role: 'deployer', apps: ['shop'], environments: ['staging'] }], hasPassword: false });

    expect((await gantry.api('POST', '/users', { name: 'sam', role: 'viewer', password: PASSWORD })).status).toBe(201);
    const added = await cli(['team', 'add', 'releasers', '--bind', 'release-manager:shop:*', '--sso-group', 'CN=Rel,OU=G']);
    expect(added.err).toBe('');
    expect(added.code).toBe(0);
    expect(added.out).toContain('added team releasers: release-manager on shop × every environment; members: none; single sign-on groups: CN=Rel,OU=G');
    expect((await gantry.api<TeamDto>('GET', '/teams/releasers')).body).toMatchObject({ ssoGroups: ['CN=Rel,OU=G'], bindings: [{ role: 'release-manager', apps: ['shop'], environments: EVERY }] });

    const member = await cli(['team', 'add-member', 'releasers', 'sam']);
    expect(member.err).toBe('');
    expect(member.code).toBe(0);
    expect(member.out).toContain('added sam to team releasers');
    expect(member.out).toContain('members: sam');

    const listed = await cli(['team', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/NAME\s+ACCESS\s+MEMBERS\s+SSO GROUPS/);
    expect(listed.out).toMatch(/releasers\s+release-manager on shop × every environment\s+sam\s+CN=Rel,OU=G/);

    const shown = await cli(['team', 'show', 'releasers']);
    expect(shown.code).toBe(0);
    expect(shown.out).toContain('team releasers');
    expect(shown.out).toContain('  release-manager on shop × every environment');
    expect(shown.out).toContain('members: sam');
    expect(shown.out).toContain('single sign-on groups: CN=Rel,OU=G');

    const none = await cli(['user', 'set-access', 'sam', '--none']);
    expect(none.err).toBe('');
    expect(none.code).toBe(0);
    expect(none.out).toContain('sam now has release-manager on shop × every environment');
    expect((await gantry.api<UserDto>('GET', '/users/sam')).body).toMatchObject({ bindings: [], access: [{ role: 'release-manager', apps: ['shop'], environments: EVERY }] });
    const neither = await cli(['user', 'set-access', 'sam']);
    expect(neither.code).not.toBe(0);
    expect(neither.err).toContain('error[REQUEST_INVALID]');

    const usersListed = await cli(['user', 'list']);
    expect(usersListed.out).toMatch(/ci2\s+service\s/);

    const deleted = await cli(['team', 'delete', 'releasers']);
    expect(deleted.err).toBe('');
    expect(deleted.code).toBe(0);
    expect(deleted.out).toContain('deleted team releasers');
    expect((await gantry.api<UserDto>('GET', '/users/sam')).body.access).toEqual([]);
    const gone = await cli(['team', 'show', 'releasers']);
    expect(gone.code).not.toBe(0);
    expect(gone.err).toContain('error[TEAM_NOT_FOUND]');

    for (const args of [
      ['user', 'add', 'bad-bind', '--bind', 'deployer:a:b:c'],
      ['team', 'add', 'bad-team', '--bind', 'deployer:a:b:c'],
      ['user', 'set-access', 'sam', '--bind', 'deployer:a:b:c'],
    ]) {
      const malformed = await cli(args);
      expect(malformed.code, args.join(' ')).toBe(2);
      expect(malformed.err).toMatch(/^error\[REQUEST_INVALID\]: /);
      expect(malformed.err).toContain('"deployer:a:b:c" is not ROLE[:APPS[:ENVIRONMENTS]]');
      expect(malformed.err).not.toMatch(/\n\s+at /);
      expect(malformed.out).toBe('');
    }
    expect((await gantry.api('GET', '/users/bad-bind')).status).toBe(404);
    expect((await gantry.api('GET', '/teams/bad-team')).status).toBe(404);
    const badRole = await cli(['team', 'add', 'bad-team', '--bind', 'overlord:shop']);
    expect(badRole.code).not.toBe(0);
    expect(badRole.err).toContain('error[REQUEST_INVALID]');
    expect(badRole.err).not.toMatch(/\n\s+at /);
  });
});
