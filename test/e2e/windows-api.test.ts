import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CalendarDto, ProblemDto, WindowDto } from '../../src/protocol/api.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';

const WEEKLY = { name: 'weekly', kind: 'maintenance', cron: '0 22 * * 6', duration: '4h', timeZone: 'Europe/Berlin', scope: { environments: ['production'] } };
const FREEZE = { name: 'quarter-end', kind: 'freeze', start: '2026-03-25T00:00:00+01:00', end: '2026-03-26T00:00:00+01:00' };

for (const dialect of DIALECTS) describe(`maintenance and freeze windows over HTTP (store: ${dialect})`, () => {
  let database: TestDatabase;
  let gantry: TestGantry;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    gantry = await startTestGantry(database.postgresUrl ? { postgresUrl: database.postgresUrl } : {});
  });
  afterAll(async () => {
    await gantry?.close();
    await database?.drop();
  });

  it('adds windows and refuses a second one of the same name with 409 WINDOW_EXISTS', async () => {
    const added = await gantry.api<WindowDto>('POST', '/windows', WEEKLY);
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ name: 'weekly', kind: 'maintenance', cron: '0 22 * * 6', duration: '4h', timeZone: 'Europe/Berlin', start: null, end: null, scope: { environments: ['production'], apps: [], targetLabels: {} } });
    expect((await gantry.api('POST', '/windows', FREEZE)).status).toBe(201);
    const duplicate = await gantry.api<ProblemDto>('POST', '/windows', { ...FREEZE, kind: 'maintenance' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toMatchObject({ code: 'WINDOW_EXISTS', where: 'name' });
  });

  it('refuses a bad cron expression or time zone with 400 naming the field', async () => {
    const badCron = await gantry.api<ProblemDto>('POST', '/windows', { ...WEEKLY, name: 'bad-cron', cron: '0 25 * * 6' });
    expect(badCron.status).toBe(400);
    expect(badCron.body).toMatchObject({ code: 'REQUEST_INVALID', where: 'body.cron' });
    const badZone = await gantry.api<ProblemDto>('POST', '/windows', { ...WEEKLY, name: 'bad-zone', timeZone: 'Mars/Olympus' });
    expect(badZone.status).toBe(400);
    expect(badZone.body).toMatchObject({ code: 'REQUEST_INVALID', where: 'body.timeZone', detail: expect.stringContaining('Mars/Olympus') });
    const both = await gantry.api<ProblemDto>('POST', '/windows', { ...WEEKLY, name: 'both', start: FREEZE.start });
    expect(both.status).toBe(400);
    expect(both.body.code).toBe('REQUEST_INVALID');
  });

  it('lists and shows windows', async () => {
    const list = await gantry.api<{ windows: WindowDto[] }>('GET', '/windows');
    expect(list.body.windows.map((window) => window.name)).toEqual(['quarter-end', 'weekly']);
    const shown = await gantry.api<WindowDto>('GET', '/windows/quarter-end');
    expect(shown.body).toMatchObject({ kind: 'freeze', start: FREEZE.start, end: FREEZE.end, cron: null });
  });

  it('lays out the calendar in UTC, keeping 22:00 Berlin time across the spring clock change', async () => {
    const { status, body } = await gantry.api<CalendarDto>('GET', '/calendar?from=2026-03-20T00:00:00Z&to=2026-04-05T00:00:00Z');
    expect(status).toBe(200);
    expect(body.from).toBe('2026-03-20T00:00:00.000Z');
    expect(body.occurrences).toEqual([
      { window: 'weekly', kind: 'maintenance', start: '2026-03-21T21:00:00.000Z', end: '2026-03-22T01:00:00.000Z' },
      { window: 'quarter-end', kind: 'freeze', start: '2026-03-24T23:00:00.000Z', end: '2026-03-25T23:00:00.000Z' },
      // Opens at 22:00 CET; the clocks go forward during it, and it lasts 4 real hours (until 03:00 CEST).
      { window: 'weekly', kind: 'maintenance', start: '2026-03-28T21:00:00.000Z', end: '2026-03-29T01:00:00.000Z' },
      // 22:00 CEST is an hour earlier in UTC.
      { window: 'weekly', kind: 'maintenance', start: '2026-04-04T20:00:00.000Z', end: '2026-04-05T00:00:00.000Z' },
    ]);
    const staging = await gantry.api<CalendarDto>('GET', '/calendar?from=2026-03-20T00:00:00Z&to=2026-04-05T00:00:00Z&environment=staging');
    expect(staging.body.occurrences.map((occurrence) => occurrence.window)).toEqual(['quarter-end']);
  });

  it('defaults to the next 30 days and refuses ranges over 366 days', async () => {
    const before = Date.now();
    const { status, body } = await gantry.api<CalendarDto>('GET', '/calendar');
    expect(status).toBe(200);
    expect(Date.parse(body.from)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(body.to) - Date.parse(body.from)).toBe(30 * 86_400_000);
    const tooLong = await gantry.api<ProblemDto>('GET', '/calendar?from=2026-01-01T00:00:00Z&to=2027-01-03T00:00:00Z');
    expect(tooLong.status).toBe(400);
    expect(tooLong.body).toMatchObject({ code: 'REQUEST_INVALID', where: 'to' });
    const notATime = await gantry.api<ProblemDto>('GET', '/calendar?from=tomorrow');
    expect(notATime.body).toMatchObject({ code: 'REQUEST_INVALID', where: 'querystring.from' });
  });

  it('removes a window: 204, then 404 WINDOW_NOT_FOUND', async () => {
    expect((await gantry.api('DELETE', '/windows/weekly')).status).toBe(204);
    const gone = await gantry.api<ProblemDto>('GET', '/windows/weekly');
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe('WINDOW_NOT_FOUND');
    expect((await gantry.api<ProblemDto>('DELETE', '/windows/weekly')).body.code).toBe('WINDOW_NOT_FOUND');
  });
});
