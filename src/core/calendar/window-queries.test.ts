import { describe, expect, it } from 'vitest';
import type { CalendarScope } from './scope.js';
import { activeFreeze, isInsideMaintenance, windowsAt } from './window-queries.js';
import { calendarWindowSchema, type CalendarWindowInput } from './window.js';

const at = (iso: string) => new Date(iso);
const window = (fields: Partial<CalendarWindowInput> & { name: string }) => calendarWindowSchema.parse({ kind: 'maintenance', ...fields });

const web1 = { name: 'web-1', labels: { role: 'web' } };
const db1 = { name: 'db-1', labels: { role: 'db', zone: 'a' } };
const production = (targets = [web1, db1]): CalendarScope => ({ app: 'storefront', environment: 'production', targets });

// Saturday 21 March 2026, 22:30 in Berlin (CET, UTC+1).
const saturdayNight = at('2026-03-21T21:30:00Z');

const windows = [
  window({ name: 'everything', cron: '0 22 * * 6', duration: '4h', timeZone: 'Europe/Berlin' }),
  window({ name: 'production-only', cron: '0 22 * * 6', duration: '4h', timeZone: 'Europe/Berlin', scope: { environments: ['production'] } }),
  window({ name: 'billing-only', cron: '0 22 * * 6', duration: '4h', timeZone: 'Europe/Berlin', scope: { apps: ['billing'] } }),
  window({ name: 'db-zone-a', cron: '0 22 * * 6', duration: '4h', timeZone: 'Europe/Berlin', scope: { targetLabels: { role: 'db', zone: 'a' } } }),
  window({ name: 'db-zone-b', cron: '0 22 * * 6', duration: '4h', timeZone: 'Europe/Berlin', scope: { targetLabels: { role: 'db', zone: 'b' } } }),
  window({ name: 'staging-only', cron: '0 22 * * 6', duration: '4h', timeZone: 'Europe/Berlin', scope: { environments: ['staging'] } }),
];
const names = (open: { window: { name: string } }[]) => open.map((o) => o.window.name);

describe('windowsAt', () => {
  it('lists the open windows whose environment, app and labels match the scope', () => {
    expect(names(windowsAt(saturdayNight, windows, production()))).toEqual(['everything', 'production-only', 'db-zone-a']);
  });

  it('needs one target to carry all of the labels', () => {
    expect(names(windowsAt(saturdayNight, windows, production([web1, { name: 'db-9', labels: { role: 'db' } }])))).toEqual(['everything', 'production-only']);
  });

  it('applies no label-scoped window to a scope that lists no targets', () => {
    expect(names(windowsAt(saturdayNight, windows, production([])))).toEqual(['everything', 'production-only']);
  });

  it('gives each open window the occurrence that is open', () => {
    const [first] = windowsAt(saturdayNight, windows, production());
    expect(first!.occurrence).toEqual({ start: at('2026-03-21T21:00:00Z'), end: at('2026-03-22T01:00:00Z') });
  });

  it('lists nothing when no window is open', () => {
    expect(windowsAt(at('2026-03-22T01:00:00Z'), windows, production())).toEqual([]);
  });
});

describe('isInsideMaintenance', () => {
  const webNightly = window({ name: 'web-nightly', cron: '0 22 * * *', duration: '2h', timeZone: 'Europe/Berlin', scope: { targetLabels: { role: 'web' } } });
  const dbSunday = window({ name: 'db-sunday', cron: '0 2 * * 0', duration: '2h', timeZone: 'Europe/Berlin', scope: { targetLabels: { role: 'db' } } });

  it('is true at any time for a scope no maintenance window covers', () => {
    expect(isInsideMaintenance(at('2026-03-18T12:00:00Z'), [dbSunday], production([web1]))).toBe(true);
  });

  it('needs a maintenance window open for every target that has one', () => {
    // 22:30 on Saturday: the web window is open, the database window opens only at 02:00.
    expect(isInsideMaintenance(saturdayNight, [webNightly, dbSunday], production([web1]))).toBe(true);
    expect(isInsideMaintenance(saturdayNight, [webNightly, dbSunday], production([web1, db1]))).toBe(false);
    expect(isInsideMaintenance(saturdayNight, [webNightly, dbSunday], production([db1]))).toBe(false);
  });

  it('ignores freezes, which activeFreeze answers', () => {
    const freeze = window({ name: 'all-march', kind: 'freeze', start: '2026-03-01T00:00:00Z', end: '2026-04-01T00:00:00Z' });
    expect(isInsideMaintenance(saturdayNight, [webNightly, freeze], production([web1]))).toBe(true);
  });
});

describe('activeFreeze', () => {
  const yearEnd = window({ name: 'year-end', kind: 'freeze', start: '2026-12-20T00:00:00+01:00', end: '2027-01-02T00:00:00+01:00' });
  const christmas = window({ name: 'christmas', kind: 'freeze', start: '2026-12-24T00:00:00+01:00', end: '2026-12-27T00:00:00+01:00' });
  const stagingFreeze = window({ name: 'staging', kind: 'freeze', start: '2026-12-01T00:00:00Z', end: '2027-02-01T00:00:00Z', scope: { environments: ['staging'] } });

  it('is the covering freeze open at the instant, the one that closes last when several are', () => {
    const open = activeFreeze(at('2026-12-25T12:00:00Z'), [christmas, yearEnd, stagingFreeze], production());
    expect(open?.window.name).toBe('year-end');
    expect(open?.occurrence.end).toEqual(at('2027-01-01T23:00:00Z'));
  });

  it('is undefined outside every freeze of the scope', () => {
    expect(activeFreeze(at('2027-01-15T12:00:00Z'), [christmas, yearEnd, stagingFreeze], production())).toBeUndefined();
  });

  it('ignores maintenance windows', () => {
    expect(activeFreeze(saturdayNight, windows, production())).toBeUndefined();
  });
});
