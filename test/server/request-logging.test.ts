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
