// @vitest-environment jsdom
import { cleanup } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { dayKey, monthWeeks, parseDayKey, placeItems, shiftDate, spanOnDay, viewRange } from './calendar-grid.js';

afterEach(cleanup);

/** A local time, as the browser would show it (the tests hold in any time zone). */
const local = (year: number, month: number, day: number, hour = 0, minute = 0) => new Date(year, month - 1, day, hour, minute).toISOString();

describe('monthWeeks', () => {
  it('fills the first and last week with the days of the months around it, Monday first', () => {
    // November 2026 starts on a Sunday and ends on a Monday.
    const weeks = monthWeeks(new Date(2026, 10, 17));
    expect(weeks).toHaveLength(6);
    expect(weeks.every((week) => week.length === 7)).toBe(true);
    expect(dayKey(weeks[0]![0]!)).toBe('2026-10-26');
    expect(dayKey(weeks[0]![6]!)).toBe('2026-11-01');
    expect(dayKey(weeks[5]![0]!)).toBe('2026-11-30');
    expect(dayKey(weeks[5]![6]!)).toBe('2026-12-06');
    expect(weeks.flat().every((day) => day.getDay() === (weeks.flat().indexOf(day) + 1) % 7)).toBe(true);
  });

  it('has no extra week when the month starts on a Monday and ends on a Sunday', () => {
    // February 2027: Monday 1st to Sunday 28th.
    const weeks = monthWeeks(new Date(2027, 1, 10));
    expect(weeks.map((week) => dayKey(week[0]!))).toEqual(['2027-02-01', '2027-02-08', '2027-02-15', '2027-02-22']);
  });

  it('asks for the whole grid, up to the day after its last', () => {
    const { from, to } = viewRange('month', new Date(2026, 10, 17));
    expect(dayKey(from)).toBe('2026-10-26');
    expect(dayKey(to)).toBe('2026-12-07');
  });
});

describe('placeItems', () => {
  it('puts an item on every day it overlaps, across a month boundary', () => {
    const days = monthWeeks(new Date(2026, 10, 1)).flat();
    const freeze = { name: 'year-end', start: local(2026, 11, 30, 22), end: local(2026, 12, 2, 6) };
    const change = { name: 'C-7', start: local(2026, 10, 26, 9), end: local(2026, 10, 26, 10) };
    const placed = placeItems(days, [freeze, change]);
    expect(placed.get('2026-11-29')).toEqual([]);
    expect(placed.get('2026-11-30')).toEqual([freeze]);
    expect(placed.get('2026-12-01')).toEqual([freeze]);
    expect(placed.get('2026-12-02')).toEqual([freeze]);
    expect(placed.get('2026-12-03')).toEqual([]);
    expect(placed.get('2026-10-26')).toEqual([change]);
  });

  it('does not put an item ending at midnight on the next day', () => {
    const days = monthWeeks(new Date(2026, 10, 1)).flat();
    const window = { start: local(2026, 11, 10, 20), end: local(2026, 11, 11) };
    const placed = placeItems(days, [window]);
    expect(placed.get('2026-11-10')).toEqual([window]);
    expect(placed.get('2026-11-11')).toEqual([]);
  });
});

describe('spanOnDay', () => {
  const time = (date: Date) => `${date.getHours()}:${String(date.getMinutes()).padStart(2, '0')}`;
  const window = { start: local(2026, 11, 30, 22), end: local(2026, 12, 2, 6, 30) };

  it('says how much of the day an item takes', () => {
    expect(spanOnDay(window, new Date(2026, 10, 30), time)).toBe('from 22:00');
    expect(spanOnDay(window, new Date(2026, 11, 1), time)).toBe('all day');
    expect(spanOnDay(window, new Date(2026, 11, 2), time)).toBe('until 6:30');
    expect(spanOnDay({ start: local(2026, 12, 3, 9), end: local(2026, 12, 3, 10) }, new Date(2026, 11, 3), time)).toBe('9:00–10:00');
  });
});

describe('navigation', () => {
  it('moves a month from the 1st (31 January + 1 month is February) and a week by seven days', () => {
    expect(dayKey(shiftDate('month', new Date(2027, 0, 31), 1))).toBe('2027-02-01');
    expect(dayKey(shiftDate('month', new Date(2027, 0, 31), -1))).toBe('2026-12-01');
    expect(dayKey(shiftDate('week', new Date(2026, 11, 29), 1))).toBe('2027-01-05');
  });

  it('reads only real dates from the URL', () => {
    expect(dayKey(parseDayKey('2026-12-05')!)).toBe('2026-12-05');
    expect(parseDayKey('2026-02-30')).toBeNull();
    expect(parseDayKey('soon')).toBeNull();
    expect(parseDayKey(null)).toBeNull();
  });
});
