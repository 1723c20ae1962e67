import { describe, expect, it } from 'vitest';
import { conflictsOf } from './conflicts.js';
import type { CalendarScope } from './scope.js';
import { calendarWindowSchema, type CalendarWindowInput } from './window.js';

const at = (iso: string) => new Date(iso);
const window = (fields: Partial<CalendarWindowInput> & { name: string }) => calendarWindowSchema.parse({ kind: 'maintenance', ...fields });
const planned = (start: string, end: string) => ({ start: at(start), end: at(end) });
const causes = (found: { cause: string }[]) => found.map((conflict) => conflict.cause);

const web1 = { name: 'web-1', labels: { role: 'web' } };
const web2 = { name: 'web-2', labels: { role: 'web' } };
const db1 = { name: 'db-1', labels: { role: 'db' } };
const production: CalendarScope = { app: 'storefront', environment: 'production', targets: [web1, web2] };

// Saturdays 22:00–02:00 Berlin time; in December that is 21:00Z–01:00Z.
const saturdayNight = window({ name: 'sat-night', cron: '0 22 * * 6', duration: '4h', timeZone: 'Europe/Berlin', scope: { environments: ['production'] } });
const yearEnd = window({ name: 'year-end', kind: 'freeze', start: '2026-12-20T01:00:00+01:00', end: '2027-01-02T01:00:00+01:00' });
const otherChange = { start: at('2026-12-12T22:00:00Z'), end: at('2026-12-12T23:00:00Z'), what: 'change C-12 on web-1, web-2' };

describe('conflictsOf', () => {
  it('finds nothing for a change inside a maintenance window, clear of freezes and other changes', () => {
    expect(conflictsOf(planned('2026-12-05T21:00:00Z', '2026-12-05T23:00:00Z'), production, [saturdayNight, yearEnd], [otherChange])).toEqual([]);
  });

  it('names a freeze that overlaps, with its time', () => {
    const found = conflictsOf(planned('2026-12-26T21:00:00Z', '2026-12-26T22:00:00Z'), production, [saturdayNight, yearEnd]);
    expect(causes(found)).toEqual(['freeze "year-end" 2026-12-20T00:00Z–2027-01-02T00:00Z overlaps']);
    expect(found[0]).toMatchObject({ kind: 'freeze', window: 'year-end' });
  });

  it('says the change is outside every maintenance window of the environment', () => {
    const found = conflictsOf(planned('2026-12-09T12:00:00Z', '2026-12-09T13:00:00Z'), production, [saturdayNight]);
    expect(causes(found)).toEqual(['outside every maintenance window of production']);
  });

  it('says which part of the change runs past the maintenance window', () => {
    const found = conflictsOf(planned('2026-12-06T00:30:00Z', '2026-12-06T01:30:00Z'), production, [saturdayNight]);
    expect(causes(found)).toEqual(['outside every maintenance window of production during 2026-12-06T01:00Z–01:30Z']);
  });

  it('names another change on the same targets that overlaps', () => {
    const found = conflictsOf(planned('2026-12-12T21:30:00Z', '2026-12-12T22:30:00Z'), production, [saturdayNight], [otherChange]);
    expect(causes(found)).toEqual(['change C-12 on web-1, web-2 overlaps 2026-12-12T22:00Z–23:00Z']);
  });

  it('allows a change that starts when the other one ends', () => {
    expect(conflictsOf(planned('2026-12-12T23:00:00Z', '2026-12-13T00:00:00Z'), production, [saturdayNight], [otherChange])).toEqual([]);
  });

  it('judges maintenance per target: names the targets whose windows are not open', () => {
    const webSaturday = window({ name: 'web-sat', cron: '0 22 * * 6', duration: '4h', timeZone: 'Europe/Berlin', scope: { targetLabels: { role: 'web' } } });
    const dbSunday = window({ name: 'db-sunday', cron: '0 2 * * 0', duration: '2h', timeZone: 'Europe/Berlin', scope: { targetLabels: { role: 'db' } } });
    const mixed: CalendarScope = { ...production, targets: [web1, db1] };
    const found = conflictsOf(planned('2026-12-05T21:00:00Z', '2026-12-05T23:00:00Z'), mixed, [webSaturday, dbSunday]);
    expect(causes(found)).toEqual(['outside every maintenance window of production for db-1']);
    expect(found[0]).toMatchObject({ kind: 'outside_maintenance', targets: ['db-1'] });
    // A window covering the whole environment counts for the database server too.
    expect(conflictsOf(planned('2026-12-05T21:00:00Z', '2026-12-05T23:00:00Z'), mixed, [webSaturday, dbSunday, saturdayNight])).toEqual([]);
  });

  it('lists every cause when several apply: freeze, maintenance, then other changes', () => {
    const christmasChange = { start: at('2026-12-24T10:00:00Z'), end: at('2026-12-24T12:00:00Z'), what: 'change C-40 on web-2' };
    const found = conflictsOf(planned('2026-12-24T11:00:00Z', '2026-12-24T12:00:00Z'), production, [saturdayNight, yearEnd], [christmasChange]);
    expect(causes(found)).toEqual([
      'freeze "year-end" 2026-12-20T00:00Z–2027-01-02T00:00Z overlaps',
      'outside every maintenance window of production',
      'change C-40 on web-2 overlaps 2026-12-24T10:00Z–12:00Z',
    ]);
  });

  it('ignores windows of other environments and apps', () => {
    const stagingFreeze = window({ name: 'staging-freeze', kind: 'freeze', start: '2026-12-01T00:00:00Z', end: '2027-01-31T00:00:00Z', scope: { environments: ['staging'] } });
    const billingWindow = window({ name: 'billing', cron: '0 3 * * *', duration: '1h', timeZone: 'UTC', scope: { apps: ['billing'] } });
    expect(conflictsOf(planned('2026-12-09T12:00:00Z', '2026-12-09T13:00:00Z'), production, [stagingFreeze, billingWindow])).toEqual([]);
  });
});
