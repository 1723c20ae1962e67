import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

/**
 * Issue 8: the dashboard's JavaScript stays under 300 KB gzipped. What the dashboard loads is what
 * index.html names: the entry script and the chunks it preloads (screens loaded later are not
 * counted). Measured on the build `npm run build` made (npm test builds first).
 */
const BUDGET_BYTES = 300 * 1024;
const UI = join(import.meta.dirname, '..', '..', 'dist', 'ui');

describe('the web UI bundle', () => {
  it('loads the dashboard with less than 300 KB of gzipped JavaScript', () => {
    expect(existsSync(join(UI, 'index.html')), 'the web UI is not built: run npm run build').toBe(true);
    const html = readFileSync(join(UI, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="\/([^"]+\.js)"/g)].map((match) => match[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    const gzipped = scripts.reduce((total, file) => total + gzipSync(readFileSync(join(UI, file)), { level: 9 }).length, 0);
    console.log(`dashboard JavaScript: ${scripts.length} file(s), ${(gzipped / 1024).toFixed(1)} KB gzipped (budget ${BUDGET_BYTES / 1024} KB)`);
    expect(gzipped).toBeLessThan(BUDGET_BYTES);
  });
});
