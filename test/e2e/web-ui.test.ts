import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeDto } from '../../src/protocol/changes-api.js';
import type { CreatedTokenDto } from '../../src/protocol/tokens-api.js';
import { accessibilityViolations, launchBrowser, screenshot, type TestBrowser } from '../support/browser.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { httpApi } from '../support/http-api.js';
import { makeBuildDir } from '../support/release-dirs.js';

/**
 * The web UI in a real Chromium against a real server (issue 8): sign in, the dashboard, a
 * deployment started from the UI and followed live to success, a failed one rolled back with its
 * reason, and a change approved by a second person. Screenshots land in test-artifacts/web-ui/.
 */
const PASSWORD = 'correct horse battery staple';
const TARGETS = ['w1', 'w2'];
const SETTINGS = `approvals:
  rules:
    - environment: production
      policy: { name: cab, requirements: [{ group: cab, count: 1 }] }
  otherwise: { name: peer, requirements: [{ group: cab, count: 1 }] }
`;
// One target per batch, a second between them: long enough to watch a deployment run.
const MANIFEST = `app: web
environments:
  - { name: staging, targets: { role: web } }
  - { name: production, targets: { role: web }, protected: true }
lifecycle: [staging, production]
hooks:
  afterActivate: 'if [ -f "$GANTRY_RELEASE_DIR/fail-on-$GANTRY_TARGET" ]; then printf "\\033[31mrefusing on %s\\033[0m\\n" "$GANTRY_TARGET" >&2; exit 1; fi'
strategy: { type: rolling, batch: 1, pauseBetweenBatches: 1s }
`;

/** Runs in the page (a string: this file is not compiled for the DOM): sums unexpected layout shifts into window.layoutShift. */
const SUM_LAYOUT_SHIFTS = `window.layoutShift = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.layoutShift += entry.value;
}).observe({ type: 'layout-shift' });`;

describe('the web UI in a real browser', () => {
  let gantry: TestGantry;
  let browser: TestBrowser;
  const problems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(join(import.meta.dirname, '..', '..', 'dist', 'ui', 'index.html'))) throw new Error('the web UI is not built: run npm run build (npm test does)');
    const settings = join(mkdtempSync(join(tmpdir(), 'gantry-ui-settings-')), 'change-settings.yaml');
    writeFileSync(settings, SETTINGS);
    gantry = await startTestGantry({ env: { GANTRY_CHANGE_SETTINGS: settings } });
    for (const name of TARGETS) await gantry.addTarget({ name, labels: { role: 'web' }, local: { root: mkdtempSync(join(tmpdir(), `gantry-ui-${name}-`)) } });
    await gantry.apply(MANIFEST);
    await gantry.release('web', '1.0.0', makeBuildDir({ VERSION: '1.0.0' }));
    await gantry.release('web', '2.0.0', makeBuildDir({ VERSION: '2.0.0' }));
    await gantry.release('web', '3.0.0', makeBuildDir({ VERSION: '3.0.0', 'fail-on-w2': 'yes' }));
    expect((await gantry.waitFor((await gantry.deploy('web', '1.0.0', 'staging')).deployment.id)).deployment.state).toBe('succeeded');
    for (const [name, role, groups] of [
      ['alice', 'release-manager', ['dev']],
      ['bob', 'approver', ['cab']],
    ] as const) {
      const created = await gantry.api('POST', '/users', { name, role, groups, password: PASSWORD });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
    }
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await gantry?.close();
  });

  /** A new browser profile with its own cookies; console errors and page errors are collected. */
  async function newPage(width = 1280, height = 900): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.browser.newContext({ viewport: { width, height } });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('console', (message) => {
      // Chromium reports every 401 answer itself: the session check before signing in, the wrong password.
      if (message.type() === 'error' && !message.text().includes('status of 401')) problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    return { context, page };
  }

  async function signIn(page: Page, user: string): Promise<void> {
    await page.goto(gantry.url);
    await page.getByLabel('User name').fill(user);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  }

  async function expectAccessible(page: Page, where: string): Promise<void> {
    expect(await accessibilityViolations(page), `accessibility of ${where}`).toEqual([]);
  }

  /** Screenshots a page once it shows `text`, and checks the picture is a real one. */
  async function keep(page: Page, name: string, text: string): Promise<void> {
    await page.getByText(text, { exact: false }).first().waitFor();
    const path = await screenshot(page, 'web-ui', name);
    expect(statSync(path).size).toBeGreaterThan(10_000);
  }

  /** Deploys from the releases page and lands on the new deployment's page. */
  async function deployFromReleases(page: Page, version: string, environment: string): Promise<void> {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Releases' }).click();
    await page.getByRole('link', { name: 'web', exact: true }).click();
    await page.getByRole('heading', { name: 'Releases of web' }).waitFor();
    const label = `Deploy ${version} to ${environment}`;
    await page.getByRole('button', { name: label }).click();
    await page.getByRole('dialog').getByRole('button', { name: label }).click();
    await page.waitForURL(/\/deployments\/[^/]+$/);
    await page.getByRole('heading', { name: `web ${version} → ${environment}` }).waitFor();
  }

  it('signs in, shows the dashboard, and follows a deployment started from the UI live to success', async () => {
    const { context, page } = await newPage();
    await page.goto(gantry.url);
    await page.getByRole('heading', { name: 'Sign in to Gantry' }).waitFor();
    await expectAccessible(page, 'the login page');
    // A wrong password is refused in words, and nothing else happens.
    await page.getByLabel('User name').fill('alice');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(async () => page.getByRole('alert').textContent()).toMatch(/password|credentials|refused/i);

    await signIn(page, 'alice');
    const staging = page.getByTestId('cell-web-staging');
    await expect.poll(async () => staging.textContent()).toContain('1.0.0');
    await expectAccessible(page, 'the dashboard');
    await keep(page, 'dashboard', '1.0.0');

    await deployFromReleases(page, '2.0.0', 'staging');
    // Layout shifts while the deployment runs are summed from here on.
    await page.evaluate(SUM_LAYOUT_SHIFTS);
    const header = page.locator('[data-state]').first();
    await page.locator('[data-state="running"]').first().waitFor();
    await page.locator('[data-state="succeeded"]').first().waitFor({ timeout: 60_000 });
    expect(await header.getAttribute('data-state')).toBe('succeeded');
    expect(await page.evaluate<number>('window.layoutShift')).toBeLessThan(0.1);
    await expectAccessible(page, 'a deployment');
    await keep(page, 'deployment-succeeded', 'succeeded');

    // The dashboard shows the new release without a reload.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
    await expect.poll(async () => page.getByTestId('cell-web-staging').textContent()).toContain('2.0.0');
    await context.close();
  });

  it('shows a failed deployment rolled back, with the reason', async () => {
    const { context, page } = await newPage();
    await signIn(page, 'alice');
    await deployFromReleases(page, '3.0.0', 'staging');
    await page.locator('[data-state="rolled_back"]').first().waitFor({ timeout: 60_000 });
    const reason = page.getByTestId('deployment-reason');
    await expect.poll(async () => reason.textContent()).toMatch(/w2/);
    await keep(page, 'deployment-rolled-back', 'rolled back');
    await context.close();
  });

  it('lets a second person approve a change, and shows each person only the actions they may take', async () => {
    const aliceToken = await gantry.api<CreatedTokenDto>('POST', '/tokens', { user: 'alice', groups: ['dev'], role: 'release-manager' });
    const alice = httpApi(gantry.url, aliceToken.body.token);
    const start = new Date(Date.now() - 60_000).toISOString();
    const end = new Date(Date.now() + 3_600_000).toISOString();
    const created = await alice.api<ChangeDto>('POST', '/changes', { app: 'web', version: '2.0.0', environment: 'production', title: 'Ship 2.0.0 to production', plan: { goals: ['Ship 2.0.0'], window: { start, end }, autoStart: false } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await alice.api<ChangeDto>('POST', `/changes/${created.body.id}/submit`)).body.state).toBe('authorize');

    const { context, page } = await newPage();
    await signIn(page, 'bob');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Changes' }).click();
    const inbox = page.getByRole('region', { name: 'Awaiting your approval' }).or(page.locator('section', { has: page.getByRole('heading', { name: 'Awaiting your approval' }) }));
    await inbox.getByRole('link', { name: new RegExp(created.body.id) }).first().click();
    await page.getByRole('heading', { name: new RegExp(`${created.body.id}`) }).waitFor();
    await expectAccessible(page, 'a change');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Approve' }).click();
    await expect.poll(async () => (await gantry.api<ChangeDto>('GET', `/changes/${created.body.id}`)).body.state).toBe('scheduled');
    await keep(page, 'change-approved', 'scheduled');

    // Bob approves; he does not deploy: no deploy or rollback buttons for him.
    await page.goto(`${gantry.url}/releases/web`);
    await page.getByRole('heading', { name: 'Releases of web' }).waitFor();
    expect(await page.getByRole('button', { name: /^Deploy / }).count()).toBe(0);
    await context.close();
  });

  it('fits a phone-width screen without scrolling the page sideways', async () => {
    const { context, page } = await newPage(375, 812);
    await signIn(page, 'alice');
    await expect.poll(async () => page.getByTestId('cell-web-staging').textContent()).toContain('2.0.0');
    expect(await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth')).toBeLessThanOrEqual(0);
    await keep(page, 'dashboard-phone', 'Dashboard');
    await context.close();
  });

  it('logged no errors in the browser', () => {
    expect(problems).toEqual([]);
  });
});
