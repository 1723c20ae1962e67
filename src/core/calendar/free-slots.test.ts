import { describe, expect, it } from 'vitest';
import { freeSlots, type FreeSlotQuery } from './free-slots.js';
import type { CalendarScope } from './scope.js';
import { calendarWindowSchema, type CalendarWindowInput } from './window.js';

const HOUR = 3_600_000;
const at = (iso: string) => new Date(iso);
const window = (fields: Partial<CalendarWindowInput> & { name: string }) => calendarWindowSchema.parse({ kind: 'maintenance', ...fields });
const slotsOf = (result: ReturnType<typeof freeSlots>) => result.slots.map((slot) => `${slot.start.toISOString()} ${slot.end.toISOString()}`);

const web1 = { name: 'web-1', labels: { role: 'web' } };
const db1 = { name: 'db-1', labels: { role: 'db' } };
const production: CalendarScope = { app: 'storefront', environment: 'production', targets: [web1] };

// Saturdays 22:00–02:00 Berlin time: 21:00Z in winter time, 20:00Z from 29 March.
const saturdayNight = window({ name: 'sat-night', cron: '0 22 * * 6', duration: '4h', timeZone: 'Europe/Berlin', scope: { environments: ['production'] } });
const releaseFreeze = window({ name: 'release-freeze', kind: 'freeze', start: '2026-03-21T00:00:00+01:00', end: '2026-03-23T00:00:00+01:00' });
const otherChange = { start: at('2026-03-28T21:00:00Z'), end: at('2026-03-28T22:00:00Z'), what: 'change C-12 on web-1, web-2' };

// Wednesday 18 March 2026, noon UTC.
const query = (overrides: Partial<FreeSlotQuery> = {}): FreeSlotQuery => ({
  from: at('2026-03-18T12:00:00Z'),
  durationMs: 2 * HOUR,
  windows: [saturdayNight, releaseFreeze],
  scope: production,
  busy: [otherChange],
  limit: 3,
  ...overrides,
});

describe('freeSlots', () => {
  it('proposes maintenance-window slots, skipping a freeze and another change on the same targets', () => {
    const result = freeSlots(query());
    expect(slotsOf(result)).toEqual([
      // 21 March is frozen; on 28 March C-12 has 21:00Z–22:00Z, the rest of the window is free.
      '2026-03-28T22:00:00.000Z 2026-03-29T00:00:00.000Z',
      '2026-04-04T20:00:00.000Z 2026-04-04T22:00:00.000Z',
      '2026-04-11T20:00:00.000Z 2026-04-11T22:00:00.000Z',
    ]);
    expect(result.shortfall).toBeUndefined();
  });

  it('searches 90 days by default and says what it searched', () => {
    const result = freeSlots(query({ limit: 100 }));
    expect(result.searched).toEqual({ start: at('2026-03-18T12:00:00Z'), end: at('2026-06-16T12:00:00Z') });
    expect(result.slots.at(-1)?.start).toEqual(at('2026-06-13T20:00:00Z'));
    expect(result.slots).toHaveLength(12);
    expect(result.shortfall).toBe('only 12 of 100 free 2h slots in 2026-03-18T12:00Z–2026-06-16T12:00Z');
  });

  it('returns what it found before the horizon', () => {
    const result = freeSlots(query({ horizonDays: 21 }));
    expect(result.slots).toHaveLength(2);
    expect(result.shortfall).toBe('only 2 of 3 free 2h slots in 2026-03-18T12:00Z–2026-04-08T12:00Z');
  });

  it('says clearly when nothing fits before the horizon', () => {
    const result = freeSlots(query({ horizonDays: 10 }));
    expect(result.slots).toEqual([]);
    expect(result.shortfall).toBe(
      'no free 2h slot in 2026-03-18T12:00Z–2026-03-28T12:00Z: freezes and other changes take up all the time that is long enough',
    );
  });

  it('never proposes a slot that runs past the horizon', () => {
    // The window of 21 March runs to 01:00Z; the search stops at midnight.
    const noFreeze = { windows: [saturdayNight], busy: [], from: at('2026-03-18T00:00:00Z'), horizonDays: 4 };
    expect(slotsOf(freeSlots(query({ ...noFreeze, durationMs: 3 * HOUR })))).toEqual(['2026-03-21T21:00:00.000Z 2026-03-22T00:00:00.000Z']);
    expect(freeSlots(query({ ...noFreeze, durationMs: 4 * HOUR })).shortfall).toBe(
      'no free 4h slot in 2026-03-18T00:00Z–2026-03-22T00:00Z: no maintenance window is that long',
    );
  });

  it('proposes any time for a scope no maintenance window covers, still around busy time', () => {
    const staging: CalendarScope = { app: 'storefront', environment: 'staging', targets: [web1] };
    const busyNow = { start: at('2026-03-18T12:00:00Z'), end: at('2026-03-18T13:00:00Z'), what: 'change C-7 on web-1' };
    expect(slotsOf(freeSlots(query({ scope: staging, busy: [busyNow], limit: 1 })))).toEqual(['2026-03-18T13:00:00.000Z 2026-03-18T15:00:00.000Z']);
  });

  it('needs the maintenance windows of every target open at once', () => {
    const webNightly = window({ name: 'web-nightly', cron: '0 22 * * *', duration: '2h', timeZone: 'Europe/Berlin', scope: { targetLabels: { role: 'web' } } });
    const dbSunday = window({ name: 'db-sunday', cron: '0 2 * * 0', duration: '2h', timeZone: 'Europe/Berlin', scope: { targetLabels: { role: 'db' } } });
    const both: CalendarScope = { ...production, targets: [web1, db1] };
    const result = freeSlots(query({ windows: [webNightly, dbSunday], scope: both, busy: [], durationMs: HOUR }));
    expect(result.slots).toEqual([]);
    expect(result.shortfall).toMatch(/: no time when a maintenance window is open for every target$/);
  });
});
