import { describe, expect, it } from 'vitest';
import { calendarWindowSchema, parseWindowDuration } from './window.js';

const recurring = { name: 'sat-night', kind: 'maintenance', cron: '0 22 * * 6', duration: '4h', timeZone: 'Europe/Berlin' };
const oneOff = { name: 'year-end', kind: 'freeze', start: '2026-12-20T00:00:00+01:00', end: '2027-01-02T00:00:00+01:00' };

/** The problems a user would see: path and message. */
function problems(input: unknown): { path: string; message: string }[] {
  const result = calendarWindowSchema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

describe('calendarWindowSchema', () => {
  it('accepts a recurring window and scopes it to everything by default', () => {
    expect(calendarWindowSchema.parse(recurring)).toEqual({ ...recurring, scope: { environments: [], apps: [], targetLabels: {} } });
  });

  it('accepts a one-off window with a scope', () => {
    const scope = { environments: ['production'], apps: ['storefront'], targetLabels: { role: 'db' } };
    expect(calendarWindowSchema.parse({ ...oneOff, scope })).toEqual({ ...oneOff, scope });
  });

  it('accepts day and month names, which contain the letter H', () => {
    expect(problems({ ...recurring, cron: '0 22 * MAR-JUN THU' })).toEqual([]);
  });

  it('accepts durations in days for long freezes, as real 24-hour days', () => {
    expect(parseWindowDuration('2d')).toBe(48 * 3_600_000);
    expect(parseWindowDuration('90m')).toBe(90 * 60_000);
    expect(problems({ ...recurring, kind: 'freeze', duration: '13d' })).toEqual([]);
  });

  it.each([
    ['a cron field out of range', { ...recurring, cron: '61 22 * * 6' }, 'cron', /not a valid cron expression: .*61/],
    ['a cron expression with four fields', { ...recurring, cron: '0 22 * *' }, 'cron', /expected five fields .* got 4/],
    ['a cron expression with seconds', { ...recurring, cron: '0 0 22 * * 6' }, 'cron', /expected five fields/],
    ['a cron expression with a random H field', { ...recurring, cron: 'H 22 * * 6' }, 'cron', /H \(a random value\) is not allowed/],
    ['a cron expression that never fires', { ...recurring, cron: '0 22 31 2 *' }, 'cron', /not a valid cron expression/],
    ['an unknown time zone', { ...recurring, timeZone: 'Mars/Olympus' }, 'timeZone', /unknown time zone "Mars\/Olympus"; expected an IANA name/],
    ['an offset instead of a time zone', { ...recurring, timeZone: '+02:00' }, 'timeZone', /unknown time zone/],
    ['a zero duration', { ...recurring, duration: '0h' }, 'duration', /must be longer than zero/],
    ['a negative duration', { ...recurring, duration: '-4h' }, 'duration', /expected a duration like "4h", "90m" or "2d"/],
    ['a duration in words', { ...recurring, duration: '4 hours' }, 'duration', /expected a duration/],
    ['an end before the start', { ...oneOff, end: '2026-12-19T00:00:00+01:00' }, 'end', /must be after start \(2026-12-20T00:00:00\+01:00\)/],
    ['an end equal to the start in another offset', { ...oneOff, end: '2026-12-19T23:00:00Z' }, 'end', /must be after start/],
    ['a start without an offset', { ...oneOff, start: '2026-12-20T00:00:00' }, 'start', /with an offset/],
    ['a recurring window without a time zone', { ...recurring, timeZone: undefined }, 'timeZone', /required for a recurring window/],
    ['a one-off window without an end', { ...oneOff, end: undefined }, 'end', /required for a one-off window/],
    ['both shapes at once', { ...recurring, start: oneOff.start }, '', /either one-off .* or recurring .*, not both/],
    ['neither shape', { name: 'x', kind: 'freeze' }, '', /needs start and end .* or cron, duration and timeZone/],
    ['a misspelt field', { ...recurring, timezone: 'UTC' }, '', /Unrecognized key: "timezone"/],
    ['an unknown kind', { ...recurring, kind: 'blackout' }, 'kind', /maintenance.*freeze/],
  ])('refuses %s with a message at its path', (_case, input, path, message) => {
    const found = problems(input);
    expect(found).toContainEqual({ path, message: expect.stringMatching(message) });
  });
});
