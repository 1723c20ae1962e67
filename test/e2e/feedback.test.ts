import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signFeedbackLink, type FeedbackLinkClaims } from '../../src/app/feedback-links.js';
import { main } from '../../src/cli/main.js';
import { loadMasterKey } from '../../src/config/master-key.js';
import type { ProblemDto } from '../../src/protocol/api.js';
import type { ChangeDto } from '../../src/protocol/changes-api.js';
import type { FeedbackEntryDto, FeedbackLinkDto, LinkFeedbackReceiptDto, ReleaseFeedbackDto } from '../../src/protocol/feedback-api.js';
import type { CreatedTokenDto } from '../../src/protocol/tokens-api.js';
import { createKeyring } from '../../src/secrets/envelope.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { httpApi, type HttpApi } from '../support/http-api.js';
import { makeBuildDir } from '../support/release-dirs.js';
import { captureIo } from '../cli/fake-server.js';

/**
 * Feedback after a deployment, on a real server with real local deployments: a signed link
 * minted for stakeholders opens an escaped, script-free form; answers through it and through the
 * API are summarised per release and per environment (figures computed by hand below) and shown
 * on the review of the change the production deployment implemented; a link that was altered, cut
 * short, signed with another key or expired is refused with 403 and stores nothing.
 */
const MANIFEST = `app: shop
environments:
  - { name: staging, targets: { role: web } }
  - { name: production, targets: { role: web }, protected: true }
strategy: { type: allAtOnce }
`;
/** A policy without requirements authorises a change on the spot: this test is about what follows it. */
const SETTINGS = `approvals:
  rules: []
  otherwise: { name: self-service, requirements: [] }
`;
const AUDIENCE = 'ops <b>&"team"</b>';

const minutesFromNow = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

/** The same token with one character of its payload (or signature) replaced by another base64url character. */
function flipCharacter(token: string, part: 'payload' | 'signature'): string {
  const dot = token.indexOf('.');
  const index = part === 'payload' ? Math.floor(dot / 2) : dot + 1 + Math.floor((token.length - dot - 1) / 2);
  const replacement = token[index] === 'A' ? 'B' : 'A';
  return `${token.slice(0, index)}${replacement}${token.slice(index + 1)}`;
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The same signature bytes spelled differently: the last character's spare low bit set the other way. */
function respellSignature(token: string): string {
  const last = token.at(-1)!;
  return `${token.slice(0, -1)}${BASE64URL[BASE64URL.indexOf(last) ^ 1]}`;
}

function claimsOf(token: string): FeedbackLinkClaims {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as FeedbackLinkClaims;
}

for (const dialect of DIALECTS) describe(`feedback after a deployment (store: ${dialect})`, () => {
  let database: TestDatabase;
  let gantry: TestGantry;
  let vera: HttpApi;
  let stagingViewer: HttpApi;
  let stagingDeployment: string;
  let productionDeployment: string;
  let changeId: string;
  let stagingLink: FeedbackLinkDto;

  const feedbackOf = async (as: HttpApi = gantry) => {
    const answer = await as.api<ReleaseFeedbackDto>('GET', '/applications/shop/releases/1.0.0/feedback');
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body;
  };
  const page = (token: string, init?: RequestInit) => fetch(`${gantry.url}/feedback/${token}`, init);
  const postJson = (token: string, body: unknown) => page(token, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  async function tokenFor(user: string, role: string, scope: { apps?: string[]; environments?: string[] } = {}): Promise<HttpApi> {
    const created = await gantry.api<CreatedTokenDto>('POST', '/tokens', { user, role, ...scope });
    expect(created.status).toBe(201);
    return httpApi(gantry.url, created.body.token);
  }

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    const dataDir = mkdtempSync(join(tmpdir(), 'gantry-feedback-'));
    const settingsFile = join(dataDir, 'change-settings.yaml');
    writeFileSync(settingsFile, SETTINGS);
    gantry = await startTestGantry({ env: { GANTRY_CHANGE_SETTINGS: settingsFile }, ...(database.postgresUrl ? { postgresUrl: database.postgresUrl } : {}) });
    for (const name of ['fb-1', 'fb-2']) await gantry.addTarget({ name, labels: { role: 'web' }, local: { root: mkdtempSync(join(tmpdir(), `gantry-${name}-`)) } });
    await gantry.apply(MANIFEST);
    await gantry.release('shop', '1.0.0', makeBuildDir({ VERSION: '1.0.0' }));

    const staged = await gantry.waitFor((await gantry.deploy('shop', '1.0.0', 'staging')).deployment.id);
    expect(staged.deployment.state).toBe('succeeded');
    stagingDeployment = staged.deployment.id;

    // Production is protected: it goes live under a change, whose review shows the feedback.
    const change = await gantry.api<ChangeDto>('POST', '/changes', { app: 'shop', version: '1.0.0', environment: 'production', plan: { window: { start: minutesFromNow(-1), end: minutesFromNow(60) }, autoStart: false } });
    expect(change.status, JSON.stringify(change.body)).toBe(201);
    changeId = change.body.id;
    expect((await gantry.api<ChangeDto>('POST', `/changes/${changeId}/submit`)).body.state).toBe('scheduled');
    const queued = await gantry.api<{ deployment: { id: string } }>('POST', '/deployments', { app: 'shop', version: '1.0.0', environment: 'production', change: changeId });
    expect(queued.status, JSON.stringify(queued.body)).toBe(202);
    expect((await gantry.waitFor(queued.body.deployment.id)).deployment.state).toBe('succeeded');
    productionDeployment = queued.body.deployment.id;

    vera = await tokenFor('vera', 'viewer');
    stagingViewer = await tokenFor('sam', 'viewer', { apps: ['shop'], environments: ['staging'] });
  });
  afterAll(async () => {
    await gantry?.close();
    await database?.drop();
  });

  it('mints a signed link for whoever may deploy, and serves an escaped form without script', async () => {
    const refused = await vera.api<ProblemDto>('POST', `/deployments/${stagingDeployment}/feedback-links`, { audience: 'anyone' });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('PERMISSION_DENIED');
    const badExpiry = await gantry.api<ProblemDto>('POST', `/deployments/${stagingDeployment}/feedback-links`, { expires: '3w' });
    expect(badExpiry.body).toMatchObject({ code: 'REQUEST_INVALID', where: 'expires' });

    const minted = await gantry.api<FeedbackLinkDto>('POST', `/deployments/${stagingDeployment}/feedback-links`, { audience: AUDIENCE, expires: '2d' });
    expect(minted.status, JSON.stringify(minted.body)).toBe(201);
    stagingLink = minted.body;
    expect(stagingLink).toMatchObject({ deploymentId: stagingDeployment, audience: AUDIENCE, path: `/feedback/${stagingLink.token}`, url: `${gantry.url}/feedback/${stagingLink.token}` });
    expect(stagingLink.token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    const expiresInHours = (Date.parse(stagingLink.expiresAt) - Date.now()) / 3_600_000;
    expect(expiresInHours).toBeGreaterThan(47);
    expect(expiresInHours).toBeLessThanOrEqual(48);

    // The form is public: no token, no cookie.
    const form = await page(stagingLink.token);
    expect(form.status).toBe(200);
    expect(form.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = form.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(form.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await form.text();
    expect(html).toContain('ops &lt;b&gt;&amp;&quot;team&quot;&lt;/b&gt;');
    expect(html).not.toContain('<b>');
    expect(html).not.toContain('&"team"');
    expect(html).not.toMatch(/<script|style=|\son[a-z]+=/i);
    expect(html).toContain('shop 1.0.0 in staging');
    for (const rating of [1, 2, 3, 4, 5]) expect(html).toContain(`name="rating" value="${rating}"`);
    expect(html).toContain('<textarea id="comment" name="comment"');
  });

  it('takes answers through the link (form and JSON) and through the API, and refuses a bad rating', async () => {
    const before = (await feedbackOf()).summary.count;
    const posted = await page(stagingLink.token, { method: 'POST', body: new URLSearchParams({ rating: '5', comment: 'Smooth <i>rollout</i>' }) });
    expect(posted.status).toBe(201);
    const thanks = await posted.text();
    expect(thanks).toContain('Thank you');
    expect(thanks).toContain('Your rating of 5 for shop 1.0.0 in staging was recorded');

    const json = await postJson(stagingLink.token, { rating: 4 });
    expect(json.status).toBe(201);
    expect((await json.json()) as LinkFeedbackReceiptDto).toMatchObject({ rating: 4, who: AUDIENCE, deploymentId: stagingDeployment });

    const tooHigh = await postJson(stagingLink.token, { rating: 6 });
    expect(tooHigh.status).toBe(400);
    expect((await tooHigh.json()) as ProblemDto).toMatchObject({ code: 'REQUEST_INVALID', where: 'rating' });
    const tooLong = await page(stagingLink.token, { method: 'POST', body: new URLSearchParams({ rating: '3', comment: 'x'.repeat(2001) }) });
    expect(tooLong.status).toBe(400);
    expect(await tooLong.text()).toContain('comment: must be at most 2000 characters');

    // A viewer may give feedback on what they may see.
    const fromVera = await vera.api<FeedbackEntryDto>('POST', `/deployments/${stagingDeployment}/feedback`, { rating: 2, comment: 'the login page was slow afterwards' });
    expect(fromVera.status, JSON.stringify(fromVera.body)).toBe(201);
    expect(fromVera.body).toMatchObject({ who: 'vera', via: 'api', environment: 'staging', changeId: null, rating: 2 });

    // Production went live under the change: its feedback is attached to it.
    const fromAdmin = await gantry.api<FeedbackEntryDto>('POST', `/deployments/${productionDeployment}/feedback`, { rating: 3 });
    expect(fromAdmin.body).toMatchObject({ environment: 'production', changeId, comment: null });
    const customers = await gantry.api<FeedbackLinkDto>('POST', `/deployments/${productionDeployment}/feedback-links`, { audience: 'customers' });
    expect((await postJson(customers.body.token, { rating: '5', comment: '  ' })).status).toBe(201);

    const { entries } = await feedbackOf();
    expect(entries).toHaveLength(before + 5);
    expect(entries.map((entry) => [entry.environment, entry.rating, entry.who, entry.via, entry.comment])).toEqual([
      ['staging', 5, AUDIENCE, 'link', 'Smooth <i>rollout</i>'],
      ['staging', 4, AUDIENCE, 'link', null],
      ['staging', 2, 'vera', 'api', 'the login page was slow afterwards'],
      ['production', 3, 'admin', 'api', null],
      ['production', 5, 'customers', 'link', null],
    ]);
  });

  it('summarises a release overall and per environment, within what the caller may read', async () => {
    // Ratings 5, 4, 2 in staging and 3, 5 in production: 19 / 5 = 3.8; staging 11 / 3 = 3.67; production 8 / 2 = 4.
    const { summary } = await feedbackOf();
    expect(summary).toEqual({
      count: 5,
      average: 3.8,
      distribution: { '1': 0, '2': 1, '3': 1, '4': 1, '5': 2 },
      environments: [
        { environment: 'production', count: 2, average: 4, distribution: { '1': 0, '2': 0, '3': 1, '4': 0, '5': 1 } },
        { environment: 'staging', count: 3, average: 3.67, distribution: { '1': 0, '2': 1, '3': 0, '4': 1, '5': 1 } },
      ],
    });
    const scoped = await feedbackOf(stagingViewer);
    expect(scoped.summary).toMatchObject({ count: 3, average: 3.67, environments: [{ environment: 'staging' }] });
    expect(scoped.entries.every((entry) => entry.environment === 'staging')).toBe(true);
    expect((await gantry.api<ProblemDto>('GET', '/applications/shop/releases/9.9.9/feedback')).body.code).toBe('RELEASE_NOT_FOUND');
  });

  it('refuses a link that was altered, cut short, signed with another key or expired, and stores nothing', async () => {
    const before = await feedbackOf();
    const token = stagingLink.token;
    const keyring = (await loadMasterKey({ dataDir: gantry.dataDir })).keyring;
    const claims = claimsOf(token);
    const expired = signFeedbackLink(keyring, { ...claims, expiresAt: new Date(Date.now() - 60_000).toISOString() });
    const foreign = signFeedbackLink(createKeyring(randomBytes(32), 'another installation'), claims);
    // Signed with the right key, but claiming another deployment: the signature no longer matches.
    const retargeted = `${Buffer.from(JSON.stringify({ ...claims, deployment: productionDeployment })).toString('base64url')}.${token.split('.')[1]}`;
    const cases: [string, string, string][] = [
      ['a byte of the payload flipped', flipCharacter(token, 'payload'), 'FEEDBACK_LINK_INVALID'],
      ['a byte of the signature flipped', flipCharacter(token, 'signature'), 'FEEDBACK_LINK_INVALID'],
      ['the signature cut short', token.slice(0, -4), 'FEEDBACK_LINK_INVALID'],
      ['the signature spelled another way', respellSignature(token), 'FEEDBACK_LINK_INVALID'],
      ['the signature cut off', token.slice(0, token.indexOf('.')), 'FEEDBACK_LINK_INVALID'],
      ['the payload re-pointed', retargeted, 'FEEDBACK_LINK_INVALID'],
      ['signed with another master key', foreign, 'FEEDBACK_LINK_INVALID'],
      ['expired', expired, 'FEEDBACK_LINK_EXPIRED'],
    ];
    for (const [what, bad, code] of cases) {
      const form = await page(bad);
      expect(form.status, what).toBe(403);
      const html = await form.text();
      expect(html, what).toContain(code === 'FEEDBACK_LINK_EXPIRED' ? 'This feedback link has expired' : 'This feedback link cannot be used');
      expect(html, what).not.toContain(bad);
      const viaForm = await page(bad, { method: 'POST', body: new URLSearchParams({ rating: '1', comment: 'forged' }) });
      expect(viaForm.status, what).toBe(403);
      const viaJson = await postJson(bad, { rating: 1, comment: 'forged' });
      expect(viaJson.status, what).toBe(403);
      expect(((await viaJson.json()) as ProblemDto).code, what).toBe(code);
    }
    const after = await feedbackOf();
    expect(after).toEqual(before);
    expect(JSON.stringify(after)).not.toContain('forged');
    // The genuine link still works.
    expect((await page(token)).status).toBe(200);
  });

  it("shows the feedback on the review of the change the deployment implemented", async () => {
    const deadline = Date.now() + 30_000;
    let change = (await gantry.api<ChangeDto>('GET', `/changes/${changeId}`)).body;
    while (change.state !== 'review' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      change = (await gantry.api<ChangeDto>('GET', `/changes/${changeId}`)).body;
    }
    expect(change.state).toBe('review');
    const expected = { count: 2, average: 4, distribution: { '1': 0, '2': 0, '3': 1, '4': 0, '5': 1 }, environments: [{ environment: 'production', count: 2, average: 4, distribution: { '1': 0, '2': 0, '3': 1, '4': 0, '5': 1 } }] };
    expect(change.feedback).toEqual(expected);
    const reviewed = await gantry.api<ChangeDto>('POST', `/changes/${changeId}/review`, { notes: 'customers happy' });
    expect(reviewed.status, JSON.stringify(reviewed.body)).toBe(200);
    expect(reviewed.body.state).toBe('closed');
    expect(reviewed.body.feedback).toEqual(expected);
  });

  it('gives, links and lists feedback from the command line', async () => {
    const cli = async (...args: string[]) => {
      const io = captureIo();
      const code = await main(['node', 'gantry', ...args], { ...io, cwd: tmpdir(), env: { GANTRY_URL: gantry.url, GANTRY_TOKEN: gantry.token } });
      return { code, out: io.out(), err: io.err() };
    };
    const given = await cli('feedback', 'give', stagingDeployment, '--rating', '1', '--comment', 'too slow');
    expect(given.err).toBe('');
    expect(given.out).toMatch(/^recorded your rating of 1 for shop 1\.0\.0 in staging \(fb-/);
    expect((await cli('feedback', 'give', stagingDeployment, '--rating', '7')).err).toContain('error[REQUEST_INVALID]: rating: must be from 1 to 5');

    const link = await cli('feedback', 'link', productionDeployment, '--audience', 'support desk', '--expires', '12h');
    expect(link.code).toBe(0);
    expect(link.out).toMatch(new RegExp(`^${gantry.url}/feedback/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\n`));
    expect(link.out).toContain('for support desk, valid until');
    expect((await cli('feedback', 'link', productionDeployment, '--expires', '91d')).err).toContain('expires: must be at most 90d');

    // Now 6 ratings: 5, 4, 2, 1 in staging (12 / 4 = 3) and 3, 5 in production: 20 / 6 = 3.33.
    const listed = await cli('feedback', 'list', 'shop', '1.0.0');
    expect(listed.code).toBe(0);
    expect(listed.out).toContain('6 ratings, average 3.33   1★ 1  2★ 1  3★ 1  4★ 1  5★ 2');
    expect(listed.out).toContain('  staging: 4, average 3.00');
    expect(listed.out).toContain('  production: 2, average 4.00');
    expect(listed.out).toContain('too slow');

    const shown = await cli('change', 'show', changeId);
    expect(shown.out).toContain('feedback on its deployment:');
    expect(shown.out).toContain('2 ratings, average 4.00');
  });
});
