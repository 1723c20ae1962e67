import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProblemDto } from '../../src/protocol/api.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { makeBuildDir } from '../support/release-dirs.js';

describe('a deployment whose stored record is damaged', () => {
  let gantry: TestGantry;
  let db: Database.Database;

  beforeAll(async () => {
    gantry = await startTestGantry();
    db = new Database(join(gantry.dataDir, 'gantry.db'));
    db.pragma('busy_timeout = 5000');
    await gantry.addTarget({ name: 't1', labels: { app: 'x' }, local: { root: mkdtempSync(join(tmpdir(), 'gantry-corrupt-')) } });
    await gantry.apply('app: x\nenvironments: [{ name: e, targets: { app: x } }]\n');
    await gantry.release('x', '1', makeBuildDir({ a: '' }));
  });
  afterAll(async () => {
    db?.close();
    await gantry?.close();
  });

  it('is quarantined as failed with DATA_CORRUPT naming the field, and does not block the next deployment', async () => {
    db.prepare(
      `insert into deployments (id, app, environment, version, kind, state, current_batch, forced, created_at, lease_token)
       values ('d-damaged', 'x', 'e', '1', 'bogus', 'queued', 0, 0, ?, 0)`,
    ).run(new Date().toISOString());
    const stateOf = () => (db.prepare(`select state from deployments where id = 'd-damaged'`).get() as { state: string }).state;
    for (let i = 0; i < 200 && stateOf() !== 'failed'; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const next = await gantry.deploy('x', '1', 'e');
    expect(next.waitingFor).toEqual([]);
    expect((await gantry.waitFor(next.deployment.id)).deployment.state).toBe('succeeded');
    const row = db.prepare(`select state, reason from deployments where id = 'd-damaged'`).get() as { state: string; reason: string };
    expect(row.state).toBe('failed');
    expect(row.reason).toBe('error[DATA_CORRUPT]: deployment d-damaged: field kind has unknown value "bogus"');
    const shown = await gantry.api<ProblemDto>('GET', '/deployments/d-damaged');
    expect(shown.status).toBe(500);
    expect(shown.body).toMatchObject({ code: 'DATA_CORRUPT', where: 'deployment d-damaged.kind' });
  });
});
