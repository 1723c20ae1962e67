import { describe, expect, it } from 'vitest';
import { GantryError } from '../errors.js';
import { lengthMs } from './intervals.js';
import { MAX_OCCURRENCES, occurrences } from './occurrences.js';
import { calendarWindowSchema, type CalendarWindowInput } from './window.js';

const HOUR = 3_600_000;
const at = (iso: string) => new Date(iso);
const window = (fields: Partial<CalendarWindowInput>) => calendarWindowSchema.parse({ name: 'w', kind: 'maintenance', ...fields });
const recurring = (cron: string, duration: string, timeZone: string) => window({ cron, duration, timeZone });
const starts = (found: { start: Date }[]) => found.map((o) => o.start.toISOString());

/** The wall-clock time and date an instant shows in a time zone: "Sat 22:00". */
function localClock(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(instant).replace(',', '');
}

describe('occurrences of a recurring window across daylight-saving changes', () => {
  it.each([
    // zone, range, UTC starts: the local start stays Saturday 22:00 while UTC moves by an hour
    ['Europe/Berlin', '2026-03-14T00:00:00Z', '2026-04-12T00:00:00Z',
      ['2026-03-14T21:00:00.000Z', '2026-03-21T21:00:00.000Z', '2026-03-28T21:00:00.000Z', '2026-04-04T20:00:00.000Z', '2026-04-11T20:00:00.000Z']],
    ['Europe/Berlin', '2026-10-17T00:00:00Z', '2026-11-08T00:00:00Z',
      ['2026-10-17T20:00:00.000Z', '2026-10-24T20:00:00.000Z', '2026-10-31T21:00:00.000Z', '2026-11-07T21:00:00.000Z']],
    ['America/New_York', '2026-02-28T00:00:00Z', '2026-03-22T00:00:00Z',
      ['2026-03-01T03:00:00.000Z', '2026-03-08T03:00:00.000Z', '2026-03-15T02:00:00.000Z']],
    ['America/New_York', '2026-10-24T00:00:00Z', '2026-11-15T00:00:00Z',
      ['2026-10-25T02:00:00.000Z', '2026-11-01T02:00:00.000Z', '2026-11-08T03:00:00.000Z']],
  ])('keeps "0 22 * * 6" in %s at 22:00 local time (%s to %s)', (timeZone, from, to, expected) => {
    const found = occurrences(recurring('0 22 * * 6', '4h', timeZone), at(from), at(to));
    expect(starts(found)).toEqual(expected);
    for (const occurrence of found) {
      expect(localClock(occurrence.start, timeZone)).toBe('Sat 22:00');
      expect(lengthMs(occurrence)).toBe(4 * HOUR);
    }
  });

  it('counts a duration in real hours when the clocks change inside the window', () => {
    // Berlin: clocks go forward at 02:00 on Sunday 29 March, back at 03:00 on Sunday 25 October.
    const [spring] = occurrences(recurring('0 22 * * 6', '4h', 'Europe/Berlin'), at('2026-03-28T12:00:00Z'), at('2026-03-29T12:00:00Z'));
    expect(localClock(spring!.end, 'Europe/Berlin')).toBe('Sun 03:00');
    const [autumn] = occurrences(recurring('0 0 * * 0', '4h', 'Europe/Berlin'), at('2026-10-24T12:00:00Z'), at('2026-10-25T12:00:00Z'));
    expect(localClock(autumn!.start, 'Europe/Berlin')).toBe('Sun 00:00');
    expect(localClock(autumn!.end, 'Europe/Berlin')).toBe('Sun 03:00');
    expect(lengthMs(autumn!)).toBe(4 * HOUR);
  });

  it.each([
    ['Europe/Berlin', '2026-03-29', '2026-03-29T01:30:00.000Z'],
    ['America/New_York', '2026-03-08', '2026-03-08T07:30:00.000Z'],
  ])('opens a 02:30 window at 03:30 in %s on %s, when 02:30 does not exist', (timeZone, day, expected) => {
    const daily = recurring('30 2 * * *', '1h', timeZone);
    const found = occurrences(daily, at(`${day}T00:00:00Z`), at(`${day}T12:00:00Z`));
    expect(starts(found)).toEqual([expected]);
    expect(localClock(found[0]!.start, timeZone)).toBe('Sun 03:30');
    expect(lengthMs(found[0]!)).toBe(HOUR);
  });

  it('finds the moved 02:30 opening whichever range asks for it', () => {
    // cron-parser alone skips it when its iteration starts after 02:00 local time that day.
    const daily = recurring('30 2 * * *', '10m', 'Europe/Berlin');
    expect(starts(occurrences(daily, at('2026-03-29T01:35:00Z'), at('2026-03-29T01:36:00Z')))).toEqual(['2026-03-29T01:30:00.000Z']);
  });

  it('keeps opening a 02:30 window at 02:30 on the days around the spring change', () => {
    const found = occurrences(recurring('30 2 * * *', '1h', 'Europe/Berlin'), at('2026-03-27T00:00:00Z'), at('2026-03-31T00:00:00Z'));
    expect(found.map((o) => localClock(o.start, 'Europe/Berlin'))).toEqual(['Fri 02:30', 'Sat 02:30', 'Sun 03:30', 'Mon 02:30']);
  });

  it('opens a 01:30 window once on the night 01:30 happens twice (New York, 1 November)', () => {
    const daily = recurring('30 1 * * *', '30m', 'America/New_York');
    // 01:30 EDT is 05:30Z; 01:30 EST is 06:30Z.
    expect(starts(occurrences(daily, at('2026-11-01T00:00:00Z'), at('2026-11-01T12:00:00Z')))).toEqual(['2026-11-01T05:30:00.000Z']);
    expect(occurrences(daily, at('2026-11-01T06:00:00Z'), at('2026-11-01T07:00:00Z'))).toEqual([]);
  });

  it('skips the repeated hour for a wildcard hour too (Berlin, 25 October)', () => {
    const halfPast = recurring('30 * * * *', '10m', 'Europe/Berlin');
    const found = occurrences(halfPast, at('2026-10-25T00:00:00Z'), at('2026-10-25T03:00:00Z'));
    // 02:30 CEST at 00:30Z, then 02:30 CET at 01:30Z is skipped, then 03:30 CET at 02:30Z.
    expect(starts(found)).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-25T02:30:00.000Z']);
  });

  it('includes an occurrence that opened before the range and one still open after it', () => {
    const found = occurrences(recurring('0 22 * * 6', '4h', 'UTC'), at('2026-03-21T23:00:00Z'), at('2026-03-28T22:30:00Z'));
    expect(starts(found)).toEqual(['2026-03-21T22:00:00.000Z', '2026-03-28T22:00:00.000Z']);
  });

  it('leaves out an occurrence that ends exactly where the range starts', () => {
    expect(occurrences(recurring('0 22 * * 6', '4h', 'UTC'), at('2026-03-22T02:00:00Z'), at('2026-03-28T00:00:00Z'))).toEqual([]);
  });

  it('refuses to walk more than MAX_OCCURRENCES openings in one call', () => {
    const everyMinute = recurring('* * * * *', '1m', 'UTC');
    const call = () => occurrences(everyMinute, at('2026-01-01T00:00:00Z'), at('2026-02-01T00:00:00Z'));
    expect(call).toThrowError(GantryError);
    expect(call).toThrowError(new RegExp(`opens more than ${MAX_OCCURRENCES} times .* ask for a shorter range`));
  });

  it('returns nothing for an empty range', () => {
    expect(occurrences(recurring('0 22 * * 6', '4h', 'UTC'), at('2026-03-28T00:00:00Z'), at('2026-03-28T00:00:00Z'))).toEqual([]);
  });
});

describe('occurrences of a one-off window', () => {
  const freeze = window({ kind: 'freeze', start: '2026-12-20T00:00:00+01:00', end: '2027-01-02T00:00:00+01:00' });

  it('is the window itself, as UTC instants, when it overlaps the range', () => {
    expect(occurrences(freeze, at('2026-12-01T00:00:00Z'), at('2026-12-24T00:00:00Z'))).toEqual([
      { start: at('2026-12-19T23:00:00Z'), end: at('2027-01-01T23:00:00Z') },
    ]);
    expect(occurrences(freeze, at('2027-01-01T22:00:00Z'), at('2027-02-01T00:00:00Z'))).toHaveLength(1);
  });

  it('is nothing when it only touches the range', () => {
    expect(occurrences(freeze, at('2027-01-01T23:00:00Z'), at('2027-02-01T00:00:00Z'))).toEqual([]);
    expect(occurrences(freeze, at('2026-12-01T00:00:00Z'), at('2026-12-19T23:00:00Z'))).toEqual([]);
  });
});
