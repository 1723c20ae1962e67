import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (installed by .ci/run); never a browser a test tool downloads. */
export const CHROMIUM = process.env.GANTRY_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Where screenshots go: test-artifacts/ at the repository's root (ignored by git). */
export const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');

export interface TestBrowser {
  readonly browser: Browser;
  close(): Promise<void>;
}

/**
 * Headless Chromium as root in a container: no sandbox, no GPU, nothing fetched in the
 * background. Playwright gives each launch a fresh profile directory of its own.
 */
export async function launchBrowser(): Promise<TestBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return { browser, close: () => browser.close() };
}

/** Saves a full-page screenshot under test-artifacts/<folder>/<name>.png and returns its path. */
export async function screenshot(page: Page, folder: string, name: string): Promise<string> {
  const dir = join(ARTIFACTS, folder);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: number;
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core (WCAG 2.1 A and AA rules) in the page; the serious and critical violations. The
 * script is evaluated through the DevTools protocol, which the page's Content-Security-Policy
 * (no inline scripts) does not stop.
 */
export async function accessibilityViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  // A string: it runs in the page, where window and axe exist.
  return page.evaluate<AxeViolation[]>(`(async () => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation) => ({ id: violation.id, impact: violation.impact, help: violation.help, nodes: violation.nodes.length }));
  })()`);
}
