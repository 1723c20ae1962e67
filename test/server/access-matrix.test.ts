import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE_NAMES, ROLES, isGlobalPermission, type Permission, type Role } from '../../src/core/access/roles.js';
import type { ChangeDto } from '../../src/protocol/changes-api.js';
import type { DeploymentDto, ProblemDto } from '../../src/protocol/api.js';
import type { DashboardDto } from '../../src/protocol/dashboard-api.js';
import type { CreatedTokenDto } from '../../src/protocol/tokens-api.js';
import type { DeclaredRoute } from '../../src/server/access.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { httpApi } from '../support/http-api.js';
import { makeBuildDir } from '../support/release-dirs.js';

/**
 * Every route × every role × two scopes. Each route must declare the permission it needs; a
 * token of each role, bound to the `shop` application in `staging`, must reach exactly the
 * routes its role grants, and only for shop in staging: production, another application and
 * anything global are refused with 403 — and so is a resource that does not exist, which is
 * the same answer as out of scope. The same roles bound to everything reach global routes.
 */
const manifest = (app: string) => `app: ${app}
environments:
  - { name: staging, targets: { role: web } }
  - { name: production, targets: { role: web } }
strategy: { type: allAtOnce }
`;

interface Sample {
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  readonly contentType?: string;
  /** Sent with a fresh token of the same role and scope (the request revokes the token it came with). */
  readonly ownToken?: boolean;
}

/** For a route: a request on a resource inside the token's scope (shop, staging) and one outside it. */
interface RouteSamples {
  readonly inside: Sample;
  readonly outside?: Sample;
}

let gantry: TestGantry;
const fixtures = { stagingDeployment: '', productionDeployment: '', stagingChange: '', productionChange: '' };
const incidentFixtures = { staging: '', production: '' };

const future = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();
const plan = { window: { start: future(24), end: future(25) } };

/** One request for each route, keyed `METHOD url` as the route was declared. A new route needs a line here. */
function samples(): Record<string, RouteSamples> {
  const { stagingDeployment: ds, productionDeployment: dp, stagingChange: cs, productionChange: cp } = fixtures;
  const same = (sample: Sample): RouteSamples => ({ inside: sample });
  const both = (method: string, inside: string, outside: string, body?: unknown): RouteSamples => ({ inside: { method, path: inside, body }, outside: { method, path: outside, body } });
  const deployment = (method: string, suffix = '', body?: unknown) => both(method, `/api/v1/deployments/${ds}${suffix}`, `/api/v1/deployments/${dp}${suffix}`, body);
  const change = (method: string, suffix = '', body?: unknown) => both(method, `/api/v1/changes/${cs}${suffix}`, `/api/v1/changes/${cp}${suffix}`, body);
  return {
    'GET /api/v1/openapi.json': same({ method: 'GET', path: '/api/v1/openapi.json' }),
    'POST /api/v1/applications': {
      inside: { method: 'POST', path: '/api/v1/applications', body: { manifest: manifest('shop') } },
      outside: { method: 'POST', path: '/api/v1/applications', body: { manifest: manifest('cart') } },
    },
    'GET /api/v1/applications': same({ method: 'GET', path: '/api/v1/applications' }),
    'GET /api/v1/applications/:app': both('GET', '/api/v1/applications/shop', '/api/v1/applications/cart'),
    'GET /api/v1/applications/:app/status': both('GET', '/api/v1/applications/shop/status', '/api/v1/applications/cart/status'),
    'POST /api/v1/applications/:app/environments/:environment/rollback': both('POST', '/api/v1/applications/shop/environments/staging/rollback', '/api/v1/applications/shop/environments/production/rollback'),
    'PUT /api/v1/applications/:app/secrets/:name': both('PUT', '/api/v1/applications/shop/secrets/MATRIX_SECRET', '/api/v1/applications/cart/secrets/MATRIX_SECRET', { value: 'matrix', environment: 'staging' }),
    'GET /api/v1/applications/:app/secrets': both('GET', '/api/v1/applications/shop/secrets', '/api/v1/applications/cart/secrets'),
    'DELETE /api/v1/applications/:app/secrets/:name': both('DELETE', '/api/v1/applications/shop/secrets/MATRIX_SECRET?environment=staging', '/api/v1/applications/cart/secrets/MATRIX_SECRET?environment=staging'),
    'GET /api/v1/applications/:app/releases': both('GET', '/api/v1/applications/shop/releases', '/api/v1/applications/cart/releases'),
    'POST /api/v1/applications/:app/releases/:version': {
      inside: { method: 'POST', path: '/api/v1/applications/shop/releases/9.9.9', body: '', contentType: 'text/plain' },
      outside: { method: 'POST', path: '/api/v1/applications/cart/releases/9.9.9', body: '', contentType: 'text/plain' },
    },
    // Release notes (issue 10): 1.0.0 records no commit, so an allowed attach is refused as invalid (400), not 403.
    'PUT /api/v1/applications/:app/releases/:version/commits': both('PUT', '/api/v1/applications/shop/releases/1.0.0/commits', '/api/v1/applications/cart/releases/1.0.0/commits', { commits: [] }),
    'GET /api/v1/applications/:app/releases/:version/commits': both('GET', '/api/v1/applications/shop/releases/1.0.0/commits', '/api/v1/applications/cart/releases/1.0.0/commits'),
    'POST /api/v1/applications/:app/releases/:version/evidence': {
      inside: { method: 'POST', path: '/api/v1/applications/shop/releases/1.0.0/evidence?type=coverage', body: '50', contentType: 'application/octet-stream' },
      outside: { method: 'POST', path: '/api/v1/applications/cart/releases/1.0.0/evidence?type=coverage', body: '50', contentType: 'application/octet-stream' },
    },
    'GET /api/v1/applications/:app/releases/:version/evidence': both('GET', '/api/v1/applications/shop/releases/1.0.0/evidence', '/api/v1/applications/cart/releases/1.0.0/evidence'),
    'GET /api/v1/applications/:app/releases/:version/evidence/:id': both('GET', '/api/v1/applications/shop/releases/1.0.0/evidence/evd-none', '/api/v1/applications/cart/releases/1.0.0/evidence/evd-none'),
    'GET /api/v1/applications/:app/releases/:version/notes': both('GET', '/api/v1/applications/shop/releases/1.0.0/notes?environment=staging', '/api/v1/applications/shop/releases/1.0.0/notes?environment=production'),
    'GET /api/v1/targets': same({ method: 'GET', path: '/api/v1/targets' }),
    'POST /api/v1/targets': same({ method: 'POST', path: '/api/v1/targets', body: { name: 'ghost', labels: { role: 'nobody' }, local: { root: tmpdir() } } }),
    'GET /api/v1/targets/:name': same({ method: 'GET', path: '/api/v1/targets/web-1' }),
    'GET /api/v1/targets/:name/facts/history': same({ method: 'GET', path: '/api/v1/targets/web-1/facts/history' }),
    'DELETE /api/v1/targets/:name': same({ method: 'DELETE', path: '/api/v1/targets/nobody-here' }),
    'POST /api/v1/targets/:name/probe': same({ method: 'POST', path: '/api/v1/targets/nobody-here/probe' }),
    'PUT /api/v1/targets/:name/package-commands': same({ method: 'PUT', path: '/api/v1/targets/nobody-here/package-commands', body: {} }),
    'POST /api/v1/agent-tokens': same({ method: 'POST', path: '/api/v1/agent-tokens', body: {} }),
    'POST /api/v1/agents/:name/revoke': same({ method: 'POST', path: '/api/v1/agents/nobody-here/revoke' }),
    'POST /api/v1/deployments': {
      inside: { method: 'POST', path: '/api/v1/deployments', body: { app: 'shop', version: '1.0.0', environment: 'staging' } },
      outside: { method: 'POST', path: '/api/v1/deployments', body: { app: 'shop', version: '1.0.0', environment: 'production' } },
    },
    'GET /api/v1/deployments': same({ method: 'GET', path: '/api/v1/deployments' }),
    'GET /api/v1/deployments/:id': deployment('GET'),
    'POST /api/v1/deployments/:id/cancel': deployment('POST', '/cancel'),
    'POST /api/v1/deployments/:id/:request': deployment('POST', '/promote'),
    'GET /api/v1/deployments/:id/events': deployment('GET', '/events'),
    'GET /api/v1/deployments/:id/logs': deployment('GET', '/logs'),
    'GET /api/v1/deployments/:id/measurements': deployment('GET', '/measurements'),
    'GET /api/v1/deployments/:id/stream': deployment('GET', '/stream'),
    'POST /api/v1/changes': {
      inside: { method: 'POST', path: '/api/v1/changes', body: { app: 'shop', version: '1.0.0', environment: 'staging', plan } },
      outside: { method: 'POST', path: '/api/v1/changes', body: { app: 'shop', version: '1.0.0', environment: 'production', plan } },
    },
    'GET /api/v1/changes': same({ method: 'GET', path: '/api/v1/changes' }),
    'GET /api/v1/changes/:id': change('GET'),
    'GET /api/v1/changes/:id/plan.md': change('GET', '/plan.md'),
    'GET /api/v1/changes/:id/history': change('GET', '/history'),
    'GET /api/v1/changes/:id/conflicts': change('GET', '/conflicts'),
    'GET /api/v1/changes/:id/next-slots': change('GET', '/next-slots'),
    'GET /api/v1/changes/:id/communications': change('GET', '/communications'),
    'PATCH /api/v1/changes/:id': change('PATCH', '', { title: 'Renamed' }),
    'POST /api/v1/changes/:id/submit': change('POST', '/submit'),
    'POST /api/v1/changes/:id/approve': change('POST', '/approve'),
    'POST /api/v1/changes/:id/reject': change('POST', '/reject'),
    'POST /api/v1/changes/:id/send-back': change('POST', '/send-back'),
    'POST /api/v1/changes/:id/cancel': change('POST', '/cancel'),
    'POST /api/v1/changes/:id/review': change('POST', '/review'),
    'GET /api/v1/windows': same({ method: 'GET', path: '/api/v1/windows' }),
    'POST /api/v1/windows': same({ method: 'POST', path: '/api/v1/windows', body: { name: 'cart-nights', kind: 'maintenance', cron: '0 22 * * *', duration: '2h', timeZone: 'UTC', scope: { apps: ['cart'] } } }),
    'GET /api/v1/windows/:name': same({ method: 'GET', path: '/api/v1/windows/nobody-here' }),
    'DELETE /api/v1/windows/:name': same({ method: 'DELETE', path: '/api/v1/windows/nobody-here' }),
    'POST /api/v1/calendar/feed-token': same({ method: 'POST', path: '/api/v1/calendar/feed-token' }),
    'GET /api/v1/calendar': same({ method: 'GET', path: '/api/v1/calendar' }),
    'POST /api/v1/tokens': same({ method: 'POST', path: '/api/v1/tokens', body: { user: 'someone' } }),
    'GET /api/v1/tokens': same({ method: 'GET', path: '/api/v1/tokens' }),
    'DELETE /api/v1/tokens/:id': same({ method: 'DELETE', path: '/api/v1/tokens/tok-nobody' }),
    'POST /api/v1/users': same({ method: 'POST', path: '/api/v1/users', body: { name: 'matrix-user', role: 'viewer' } }),
    'GET /api/v1/users': same({ method: 'GET', path: '/api/v1/users' }),
    'GET /api/v1/users/:name': same({ method: 'GET', path: '/api/v1/users/nobody-here' }),
    'PATCH /api/v1/users/:name': same({ method: 'PATCH', path: '/api/v1/users/nobody-here', body: { displayName: 'Nobody' } }),
    'PUT /api/v1/users/:name/password': same({ method: 'PUT', path: '/api/v1/users/nobody-here/password', body: { password: 'correct horse battery staple' } }),
    'GET /api/v1/nodes': same({ method: 'GET', path: '/api/v1/nodes' }),
    'POST /api/v1/teams': same({ method: 'POST', path: '/api/v1/teams', body: { name: 'matrix-team', bindings: [{ role: 'viewer' }] } }),
    'GET /api/v1/teams': same({ method: 'GET', path: '/api/v1/teams' }),
    'GET /api/v1/teams/:name': same({ method: 'GET', path: '/api/v1/teams/nobody-here' }),
    'PATCH /api/v1/teams/:name': same({ method: 'PATCH', path: '/api/v1/teams/nobody-here', body: { displayName: 'Nobody' } }),
    'DELETE /api/v1/teams/:name': same({ method: 'DELETE', path: '/api/v1/teams/nobody-here' }),
    'PUT /api/v1/teams/:name/members/:user': same({ method: 'PUT', path: '/api/v1/teams/nobody-here/members/nobody-here' }),
    'DELETE /api/v1/teams/:name/members/:user': same({ method: 'DELETE', path: '/api/v1/teams/nobody-here/members/nobody-here' }),
    // Tokens minted for names without a user record: 404 USER_NOT_FOUND, which is not a refusal.
    'PUT /api/v1/me/password': same({ method: 'PUT', path: '/api/v1/me/password', body: { currentPassword: 'correct horse battery', password: 'correct horse battery staple' } }),
    'GET /api/v1/session': same({ method: 'GET', path: '/api/v1/session' }),
    'POST /api/v1/logout': same({ method: 'POST', path: '/api/v1/logout', ownToken: true }),
    'GET /api/v1/audit': same({ method: 'GET', path: '/api/v1/audit' }),
    'GET /api/v1/audit/verify': same({ method: 'GET', path: '/api/v1/audit/verify' }),
    'GET /api/v1/audit/export': same({ method: 'GET', path: '/api/v1/audit/export' }),
    'GET /api/v1/dashboard': same({ method: 'GET', path: '/api/v1/dashboard' }),
    // Prometheus scrape: any read token; series of applications outside its scope are left out, not refused.
    'GET /metrics': same({ method: 'GET', path: '/metrics' }),
    'GET /api/v1/activity': same({ method: 'GET', path: '/api/v1/activity' }),
    // An empty record: refused as invalid (400) by whoever may import, never stored.
    'POST /api/v1/advisories': same({ method: 'POST', path: '/api/v1/advisories', body: { advisories: [{ where: 'matrix.json', record: {} }] } }),
    'GET /api/v1/advisories': same({ method: 'GET', path: '/api/v1/advisories' }),
    'POST /api/v1/policies/check': same({ method: 'POST', path: '/api/v1/policies/check', body: { target: 'nobody-here' } }),
    'GET /api/v1/patch/exposure': same({ method: 'GET', path: '/api/v1/patch/exposure' }),
    'GET /api/v1/patch/compliance': same({ method: 'GET', path: '/api/v1/patch/compliance' }),
    'POST /api/v1/patch/plan': {
      inside: { method: 'POST', path: '/api/v1/patch/plan', body: { environment: 'staging', app: 'shop', severity: 'critical' } },
      outside: { method: 'POST', path: '/api/v1/patch/plan', body: { environment: 'production', app: 'shop', severity: 'critical' } },
    },
    'POST /api/v1/patch/rollouts': {
      inside: { method: 'POST', path: '/api/v1/patch/rollouts', body: { environment: 'staging', app: 'shop', severity: 'critical' } },
      outside: { method: 'POST', path: '/api/v1/patch/rollouts', body: { environment: 'production', app: 'shop', severity: 'critical' } },
    },
    'PUT /api/v1/policies/:name': same({ method: 'PUT', path: '/api/v1/policies/matrix', body: { rules: [{ package: 'bash' }] } }),
    'GET /api/v1/policies': same({ method: 'GET', path: '/api/v1/policies' }),
    'DELETE /api/v1/policies/:name': same({ method: 'DELETE', path: '/api/v1/policies/nobody-here' }),
    'GET /api/v1/policies/results': same({ method: 'GET', path: '/api/v1/policies/results' }),
    'GET /api/v1/policies/:name/history': same({ method: 'GET', path: '/api/v1/policies/nobody-here/history' }),
    // Incidents (issue 10): opened and resolved by whoever may deploy there (a second resolve is a 409, not a refusal); listings are filtered.
    'POST /api/v1/incidents': {
      inside: { method: 'POST', path: '/api/v1/incidents', body: { app: 'shop', environment: 'staging', title: 'Matrix' } },
      outside: { method: 'POST', path: '/api/v1/incidents', body: { app: 'shop', environment: 'production', title: 'Matrix' } },
    },
    'POST /api/v1/incidents/:id/resolve': both('POST', `/api/v1/incidents/${incidentFixtures.staging}/resolve`, `/api/v1/incidents/${incidentFixtures.production}/resolve`, {}),
    'GET /api/v1/incidents': same({ method: 'GET', path: '/api/v1/incidents' }),
    // DORA figures: any reader, for an application in scope (or, without one, over what the caller may read).
    'GET /api/v1/metrics/dora': both('GET', '/api/v1/metrics/dora?app=shop', '/api/v1/metrics/dora?app=cart'),
    // Feedback (issue 10): a link is minted by whoever may deploy; any reader may rate and read.
    'POST /api/v1/deployments/:id/feedback-links': deployment('POST', '/feedback-links', { audience: 'matrix' }),
    'POST /api/v1/deployments/:id/feedback': deployment('POST', '/feedback', { rating: 3 }),
    'GET /api/v1/applications/:app/releases/:version/feedback': both('GET', '/api/v1/applications/shop/releases/1.0.0/feedback', '/api/v1/applications/cart/releases/1.0.0/feedback'),
    // Notifications are installation-wide: permission `notifications` to change or send, `read` to look.
    'PUT /api/v1/notifications/channels/:name': same({ method: 'PUT', path: '/api/v1/notifications/channels/matrix', body: { type: 'webhook', url: 'http://127.0.0.1:9/hook' } }),
    'GET /api/v1/notifications/channels': same({ method: 'GET', path: '/api/v1/notifications/channels' }),
    'GET /api/v1/notifications/channels/:name': same({ method: 'GET', path: '/api/v1/notifications/channels/nobody-here' }),
    'DELETE /api/v1/notifications/channels/:name': same({ method: 'DELETE', path: '/api/v1/notifications/channels/nobody-here' }),
    'POST /api/v1/notifications/channels/:name/test': same({ method: 'POST', path: '/api/v1/notifications/channels/nobody-here/test' }),
    'PUT /api/v1/notifications/subscriptions/:name': same({ method: 'PUT', path: '/api/v1/notifications/subscriptions/matrix', body: { channel: 'nobody-here', events: ['deployment.failed'] } }),
    'GET /api/v1/notifications/subscriptions': same({ method: 'GET', path: '/api/v1/notifications/subscriptions' }),
    'GET /api/v1/notifications/subscriptions/:name': same({ method: 'GET', path: '/api/v1/notifications/subscriptions/nobody-here' }),
    'DELETE /api/v1/notifications/subscriptions/:name': same({ method: 'DELETE', path: '/api/v1/notifications/subscriptions/nobody-here' }),
    'GET /api/v1/notifications': same({ method: 'GET', path: '/api/v1/notifications' }),
    'GET /api/v1/notifications/:id': same({ method: 'GET', path: '/api/v1/notifications/N-nobody' }),
    'POST /api/v1/notifications/:id/redeliver': same({ method: 'POST', path: '/api/v1/notifications/N-nobody/redeliver' }),
    // Retention is installation-wide (permission `retention`, admins); with the default rules nothing here is old enough to go.
    'GET /api/v1/retention/policy': same({ method: 'GET', path: '/api/v1/retention/policy' }),
    'PUT /api/v1/retention/policy': same({ method: 'PUT', path: '/api/v1/retention/policy', body: { installation: {} } }),
    'GET /api/v1/retention/preview': same({ method: 'GET', path: '/api/v1/retention/preview' }),
    'POST /api/v1/retention/apply': same({ method: 'POST', path: '/api/v1/retention/apply' }),
    // The inventory: reads are filtered to what the caller may read; manual CIs and relationships are global, like targets.
    'GET /api/v1/cis': same({ method: 'GET', path: '/api/v1/cis' }),
    'POST /api/v1/cis': same({ method: 'POST', path: '/api/v1/cis', body: { name: 'matrix-db', class: 'database' } }),
    'GET /api/v1/cis/export': same({ method: 'GET', path: '/api/v1/cis/export' }),
    'POST /api/v1/cis/import': same({ method: 'POST', path: '/api/v1/cis/import', body: { file: 'matrix.csv', csv: 'name,class\n' } }),
    'GET /api/v1/cis/:name': same({ method: 'GET', path: '/api/v1/cis/nobody-here' }),
    'PUT /api/v1/cis/:name': same({ method: 'PUT', path: '/api/v1/cis/matrix-lb', body: { class: 'load-balancer' } }),
    'DELETE /api/v1/cis/:name': same({ method: 'DELETE', path: '/api/v1/cis/nobody-here' }),
    'GET /api/v1/relationships': same({ method: 'GET', path: '/api/v1/relationships' }),
    'PUT /api/v1/relationships': same({ method: 'PUT', path: '/api/v1/relationships', body: { from: 'ci:nobody-here', type: 'depends-on', to: 'ci:nor-here' } }),
    'DELETE /api/v1/relationships': same({ method: 'DELETE', path: '/api/v1/relationships?from=ci:nobody-here&type=depends-on&to=ci:nor-here' }),
    'GET /api/v1/impact': same({ method: 'GET', path: '/api/v1/impact?ci=app:shop' }),
    // Drift listings, checks and remediations cover what the caller may read (deploy to): filtered, never refused for scope.
    'GET /api/v1/drift': same({ method: 'GET', path: '/api/v1/drift?environment=staging' }),
    'POST /api/v1/drift/check': same({ method: 'POST', path: '/api/v1/drift/check', body: { environment: 'staging' } }),
    'POST /api/v1/drift/remediate': same({ method: 'POST', path: '/api/v1/drift/remediate', body: { environment: 'staging' } }),
  };
}

async function send(token: string, sample: Sample): Promise<{ status: number; body: string }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  let body: string | undefined;
  if (sample.body !== undefined) {
    headers['content-type'] = sample.contentType ?? 'application/json';
    body = typeof sample.body === 'string' ? sample.body : JSON.stringify(sample.body);
  }
  const response = await fetch(`${gantry.url}${sample.path}`, { method: sample.method, headers, ...(body === undefined ? {} : { body }), signal: AbortSignal.timeout(10_000) });
  // A stream that was let in goes on until it is closed: its status is the answer.
  if (response.ok && response.headers.get('content-type')?.startsWith('text/event-stream')) {
    await response.body?.cancel();
    return { status: response.status, body: '' };
  }
  return { status: response.status, body: await response.text() };
}

async function mint(role: Role, scoped: boolean): Promise<string> {
  const created = await gantry.api<CreatedTokenDto>('POST', '/tokens', { user: `${role}-${scoped ? 'staging' : 'all'}`, role, ...(scoped ? { apps: ['shop'], environments: ['staging'] } : {}) });
  expect(created.status).toBe(201);
  return created.body.token;
}

const routeKey = (route: DeclaredRoute) => `${route.method} ${route.url}`;

describe('access control: every route × role × scope', () => {
  let routes: DeclaredRoute[];

  beforeAll(async () => {
    gantry = await startTestGantry();
    await gantry.addTarget({ name: 'web-1', labels: { role: 'web' }, local: { root: mkdtempSync(join(tmpdir(), 'gantry-matrix-')) } });
    for (const app of ['shop', 'cart']) await gantry.apply(manifest(app));
    await gantry.release('shop', '1.0.0', makeBuildDir({ VERSION: '1.0.0' }));
    fixtures.stagingDeployment = (await gantry.waitFor((await gantry.deploy('shop', '1.0.0', 'staging')).deployment.id)).deployment.id;
    fixtures.productionDeployment = (await gantry.waitFor((await gantry.deploy('shop', '1.0.0', 'production')).deployment.id)).deployment.id;
    for (const environment of ['staging', 'production'] as const) {
      const created = await gantry.api<ChangeDto>('POST', '/changes', { app: 'shop', version: '1.0.0', environment, plan });
      fixtures[environment === 'staging' ? 'stagingChange' : 'productionChange'] = created.body.id;
      incidentFixtures[environment] = (await gantry.api<{ id: string }>('POST', '/incidents', { app: 'shop', environment, title: 'Matrix fixture' })).body.id;
    }
    routes = gantry.gantry.server.declaredRoutes;
  });
  afterAll(async () => {
    await gantry?.close();
  });

  it('every route declares who may call it, and the test has a request for each', () => {
    const undeclared = routes.filter((route) => route.access === undefined).map(routeKey);
    expect(undeclared).toEqual([]);
    const known = samples();
    const withoutSample = routes.filter((route) => route.access !== 'public' && !(routeKey(route) in known)).map(routeKey);
    expect(withoutSample).toEqual([]);
    expect(routes.filter((route) => route.access === 'public').map(routeKey).sort()).toEqual([
      // The web UI's files: no data in them.
      'GET /',
      'GET /*',
      'GET /api/v1/agents/connect',
      'GET /api/v1/auth/methods',
      'GET /api/v1/auth/oidc/callback',
      'GET /api/v1/auth/oidc/login',
      'GET /api/v1/calendar.ics',
      // Another node proves itself with the credential derived from the shared master key.
      'GET /api/v1/internal/agent-relay',
      'GET /assets/*',
      // A feedback link's form: the signed token in the path is the credential.
      'GET /feedback/*',
      'GET /healthz',
      'POST /api/v1/agents/enrol',
      'POST /api/v1/login',
      'POST /feedback/*',
    ]);
  });

  for (const scoped of [true, false]) {
    for (const role of ROLE_NAMES) {
      it(`${role} bound to ${scoped ? 'shop in staging' : 'everything'} reaches exactly what the role grants`, async () => {
        const token = await mint(role, scoped);
        const granted = ROLES[role] as readonly Permission[];
        const known = samples();
        const wrong: string[] = [];
        for (const route of routes) {
          if (route.access === undefined || route.access === 'public') continue;
          const permission = route.access.permission;
          const { inside, outside } = known[routeKey(route)]!;
          const mayInside = granted.includes(permission) && !(scoped && isGlobalPermission(permission));
          const insideAnswer = await send(inside.ownToken ? await mint(role, scoped) : token, inside);
          if ((insideAnswer.status === 403) === mayInside) wrong.push(`${routeKey(route)} inside: ${insideAnswer.status} ${insideAnswer.body.slice(0, 160)}`);
          if (outside) {
            const mayOutside = mayInside && !scoped;
            const outsideAnswer = await send(outside.ownToken ? await mint(role, scoped) : token, outside);
            if ((outsideAnswer.status === 403) === mayOutside) wrong.push(`${routeKey(route)} outside: ${outsideAnswer.status} ${outsideAnswer.body.slice(0, 160)}`);
          }
        }
        expect(wrong).toEqual([]);
      });
    }
  }

  it('answers a resource that does not exist as it answers one out of scope, and filters listings to the scope', async () => {
    const viewer = httpApi(gantry.url, await mint('viewer', true));
    const outOfScope = await viewer.api<ProblemDto>('GET', `/deployments/${fixtures.productionDeployment}`);
    const missing = await viewer.api<ProblemDto>('GET', '/deployments/d-does-not-exist');
    expect(outOfScope.status).toBe(403);
    expect(missing.status).toBe(403);
    expect(missing.body.detail).toBe(outOfScope.body.detail);
    expect((await viewer.api<ProblemDto>('GET', `/changes/C-999`)).body.detail).toBe((await viewer.api<ProblemDto>('GET', `/changes/${fixtures.productionChange}`)).body.detail);

    const deployments = (await viewer.api<{ deployments: DeploymentDto[] }>('GET', '/deployments')).body.deployments;
    expect(deployments.length).toBeGreaterThan(0);
    expect(new Set(deployments.map((deployment) => `${deployment.app}/${deployment.environment}`))).toEqual(new Set(['shop/staging']));
    const changes = (await viewer.api<{ changes: ChangeDto[] }>('GET', '/changes')).body.changes;
    expect(new Set(changes.map((change) => change.environment))).toEqual(new Set(['staging']));
    expect((await viewer.api<{ applications: { name: string }[] }>('GET', '/applications')).body.applications.map((application) => application.name)).toEqual(['shop']);
    const status = await viewer.api<{ environments: { environment: string }[] }>('GET', '/applications/shop/status');
    expect(status.body.environments.map((row) => row.environment)).toEqual(['staging']);
    const dashboard = await viewer.api<DashboardDto>('GET', '/dashboard');
    expect(dashboard.body.applications.map((row) => [row.app, row.cells.map((cell) => cell.environment)])).toEqual([['shop', ['staging']]]);
  });

  it('refuses expired and revoked tokens, and records when a token was last used', async () => {
    const created = await gantry.api<CreatedTokenDto>('POST', '/tokens', { user: 'temp', role: 'viewer', expiresIn: '1s' });
    const temp = httpApi(gantry.url, created.body.token);
    expect((await temp.api('GET', '/applications')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await temp.api('GET', '/applications')).status).toBe(401);

    const revocable = await gantry.api<CreatedTokenDto>('POST', '/tokens', { user: 'leaver', role: 'viewer' });
    const leaver = httpApi(gantry.url, revocable.body.token);
    expect((await leaver.api('GET', '/applications')).status).toBe(200);
    expect((await gantry.api('DELETE', `/tokens/${revocable.body.id}`)).status).toBe(204);
    expect((await leaver.api('GET', '/applications')).status).toBe(401);
    expect((await gantry.api<ProblemDto>('DELETE', `/tokens/${revocable.body.id}`)).body.code).toBe('TOKEN_NOT_FOUND');

    const listed = (await gantry.api<{ tokens: { id: string; lastUsedAt: string | null; revokedAt: string | null }[] }>('GET', '/tokens')).body.tokens;
    const entry = listed.find((token) => token.id === revocable.body.id)!;
    expect(entry.lastUsedAt).not.toBeNull();
    expect(entry.revokedAt).not.toBeNull();
    expect(JSON.stringify(listed)).not.toContain(revocable.body.token);
  });

  it('will not hand out more than the minting token holds', async () => {
    const scopedAdmin = httpApi(gantry.url, await mint('admin', true));
    expect((await scopedAdmin.api<ProblemDto>('POST', '/tokens', { user: 'x', role: 'viewer' })).body.code).toBe('PERMISSION_DENIED');
    const releaseManager = httpApi(gantry.url, await mint('release-manager', false));
    expect((await releaseManager.api<ProblemDto>('POST', '/tokens', { user: 'x', role: 'viewer' })).status).toBe(403);
  });
});
