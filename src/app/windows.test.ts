import { describe, expect, it } from 'vitest';
import { GantryError } from '../core/errors.js';
import { parseWindowDefinition } from './windows.js';

function problemOf(input: unknown): GantryError {
  try {
    parseWindowDefinition(input);
  } catch (error) {
    if (error instanceof GantryError) return error;
    throw error;
  }
  throw new Error('expected the definition to be refused');
}

describe('reading a window definition', () => {
  it('accepts a recurring window and fills in the scope', () => {
    expect(parseWindowDefinition({ name: 'weekly', kind: 'maintenance', cron: '0 22 * * 6', duration: '4h', timeZone: 'Europe/Berlin' })).toEqual({
      name: 'weekly',
      kind: 'maintenance',
      cron: '0 22 * * 6',
      duration: '4h',
      timeZone: 'Europe/Berlin',
      scope: { environments: [], apps: [], targetLabels: {} },
    });
  });

  it('reports REQUEST_INVALID naming the field, with every problem listed', () => {
    const error = problemOf({ name: 'weekly', kind: 'maintenance', cron: '0 25 * * 6', duration: 'soon', timeZone: 'Europe/Berlin' });
    expect(error).toMatchObject({ code: 'REQUEST_INVALID', details: { where: 'cron' } });
    expect(error.message).toMatch(/^cron: not a valid cron expression.*\(and 1 more problem\)$/);
    expect(error.details.problems).toEqual([
      { where: 'cron', message: expect.stringContaining('not a valid cron expression') },
      { where: 'duration', message: 'expected a duration like "4h", "90m" or "2d"' },
    ]);
    expect(problemOf({ name: 'x', kind: 'freeze', start: '2026-01-01T00:00:00Z', end: '2026-01-02T00:00:00Z', colour: 'red' }).details.where).toBe('colour');
    expect(problemOf({ name: 'x', kind: 'freeze' }).details.where).toBe('window');
  });
});
