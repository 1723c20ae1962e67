import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { loadServerConfig } from '../../src/config/server-config.js';
import { startGantry } from '../../src/main/serve.js';

/** Calendar apps subscribe by URL, so the feed token travels in the query string: it must not reach the log. */
it('logs requests without the tokens in their query strings', async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'gantry-logging-'));
  const gantry = await startGantry(loadServerConfig({ dataDir, listen: '127.0.0.1:0' }, {}), { logger: pino({ level: 'info' }, sink) });
  try {
    const created = await fetch(`${gantry.url}/api/v1/calendar/feed-token`, { method: 'POST', headers: { authorization: `Bearer ${gantry.adminToken}` } });
    const { token } = (await created.json()) as { token: string };
    expect((await fetch(`${gantry.url}/api/v1/calendar.ics?token=${token}`)).status).toBe(200);
    expect((await fetch(`${gantry.url}/api/v1/calendar.ics?token=gantry_guessed`)).status).toBe(401);
  } finally {
    await gantry.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const log = lines.join('');
  expect(log).toContain('/api/v1/calendar.ics?token=[redacted]');
  expect(log).not.toMatch(/gantry_[A-Za-z0-9_-]{8,}/);
});

/** T36: guessing tokens from one address is cut off, and a right guess among the wrong ones does not get through. */
it('refuses an address that keeps failing authentication, whatever it sends next', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gantry-throttle-'));
  const gantry = await startGantry(loadServerConfig({ dataDir, listen: '127.0.0.1:0' }, { GANTRY_AUTH_FAILURES_PER_MINUTE: '5' }), { logger: pino({ level: 'silent' }) });
  try {
    const call = (token: string) => fetch(`${gantry.url}/api/v1/applications`, { headers: { authorization: `Bearer ${token}` } });
    const statuses: number[] = [];
    for (let guess = 0; guess < 8; guess++) statuses.push((await call(`gantry_guess${guess}`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    const right = await call(gantry.adminToken!);
    expect(right.status).toBe(429);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await right.json()) as { code: string }).code).toBe('AUTH_RATE_LIMITED');
    // Feed tokens are guessed the same way, and count the same.
    expect((await fetch(`${gantry.url}/api/v1/calendar.ics?token=gantry_guess`)).status).toBe(429);
    expect((await fetch(`${gantry.url}/healthz`)).status).toBe(200);
  } finally {
    await gantry.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
