import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { parseDuration } from '../duration.js';
import { labelsSchema, nameSchema, type Labels } from '../names.js';
import { isKnownTimeZone } from './time-zone.js';

/**
 * Maintenance windows say when changes to what they cover may run; freeze (blackout) windows
 * say when they may not. A window is one-off (`start`, `end` with an offset) or recurring: a
 * cron expression read in the window's own IANA time zone, so "22:00 on Saturday" stays 22:00
 * local when the clocks change, plus a duration of real elapsed time.
 */
export type WindowKind = 'maintenance' | 'freeze';

/** What a window covers. An empty list or selector means "every": `{}` covers everything. */
export interface WindowScope {
  readonly environments: readonly string[];
  readonly apps: readonly string[];
  /** All of these labels must be on a target for the window to cover it. */
  readonly targetLabels: Labels;
}

interface WindowBase {
  readonly name: string;
  readonly kind: WindowKind;
  readonly scope: WindowScope;
}

export interface OneOffWindow extends WindowBase {
  /** ISO 8601 with an offset, as given: `2026-12-20T00:00:00+01:00`. */
  readonly start: string;
  readonly end: string;
}

export interface RecurringWindow extends WindowBase {
  /** Five fields (minute hour day-of-month month day-of-week), read in `timeZone`. */
  readonly cron: string;
  /** How long each occurrence stays open: `4h`, `90m`, `2d` (a day is 24 real hours). */
  readonly duration: string;
  readonly timeZone: string;
}

export type CalendarWindow = OneOffWindow | RecurringWindow;

export function isRecurring(window: CalendarWindow): window is RecurringWindow {
  return 'cron' in window;
}

const DAY_MS = 86_400_000;
const DAYS_PATTERN = /^(\d+(?:\.\d+)?)d$/;

/** `4h`, `90m`, `30s` as elsewhere in Gantry, plus `2d` for long freezes; milliseconds or undefined. */
export function parseWindowDuration(text: string): number | undefined {
  const days = DAYS_PATTERN.exec(text.trim());
  return days ? Math.round(Number(days[1]) * DAY_MS) : parseDuration(text);
}

/** Why a cron expression cannot open a window, or undefined when it can. */
export function cronProblem(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) {
    return `expected five fields (minute hour day-of-month month day-of-week), like "0 22 * * 6"; got ${fields.length}`;
  }
  // cron-parser reads H as a random value: every server would open the window at another time.
  if (fields.some((field) => field.split(',').some((item) => /^H(?:$|[/(])/i.test(item)))) {
    return 'H (a random value) is not allowed: a window must open at the same time wherever it is read';
  }
  try {
    // Without a date cron-parser would read the clock; validity does not depend on the date.
    CronExpressionParser.parse(expression, { currentDate: 0 });
    return undefined;
  } catch (error) {
    return `not a valid cron expression: ${error instanceof Error ? error.message : String(error)}`;
  }
}

const instantSchema = z.iso.datetime({
  offset: true,
  message: 'expected an ISO 8601 date and time with an offset, like "2026-12-20T00:00:00+01:00" or "2026-12-19T23:00:00Z"',
});

const cronSchema = z.string().superRefine((value, ctx) => {
  const problem = cronProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const durationSchema = z.string().superRefine((value, ctx) => {
  const ms = parseWindowDuration(value);
  if (ms === undefined) ctx.addIssue({ code: 'custom', message: 'expected a duration like "4h", "90m" or "2d"' });
  else if (ms <= 0) ctx.addIssue({ code: 'custom', message: 'must be longer than zero' });
});

const timeZoneSchema = z.string().refine(isKnownTimeZone, {
  error: (issue) => `unknown time zone ${JSON.stringify(issue.input)}; expected an IANA name like "Europe/Berlin" or "UTC"`,
});

export const windowScopeSchema = z.strictObject({
  environments: z.array(nameSchema).default([]),
  apps: z.array(nameSchema).default([]),
  targetLabels: labelsSchema.default({}),
});

const ONE_OFF_FIELDS = ['start', 'end'] as const;
const RECURRING_FIELDS = ['cron', 'duration', 'timeZone'] as const;

/**
 * A window as written in the API or a file. Problems come back as zod issues with a path, for
 * the boundary to report as MANIFEST_INVALID or REQUEST_INVALID.
 */
export const calendarWindowSchema = z
  .strictObject({
    name: nameSchema,
    kind: z.enum(['maintenance', 'freeze']),
    start: instantSchema.optional(),
    end: instantSchema.optional(),
    cron: cronSchema.optional(),
    duration: durationSchema.optional(),
    timeZone: timeZoneSchema.optional(),
    scope: windowScopeSchema.default({ environments: [], apps: [], targetLabels: {} }),
  })
  .superRefine((window, ctx) => {
    const oneOff = ONE_OFF_FIELDS.some((field) => window[field] !== undefined);
    const recurring = RECURRING_FIELDS.some((field) => window[field] !== undefined);
    if (oneOff && recurring) {
      ctx.addIssue({ code: 'custom', message: 'a window is either one-off (start, end) or recurring (cron, duration, timeZone), not both' });
      return;
    }
    if (!oneOff && !recurring) {
      ctx.addIssue({ code: 'custom', message: 'a window needs start and end (one-off) or cron, duration and timeZone (recurring)' });
      return;
    }
    const required = oneOff ? ONE_OFF_FIELDS : RECURRING_FIELDS;
    for (const field of required) {
      if (window[field] === undefined) {
        ctx.addIssue({ code: 'custom', path: [field], message: `required for a ${oneOff ? 'one-off' : 'recurring'} window` });
      }
    }
    if (window.start !== undefined && window.end !== undefined && Date.parse(window.end) <= Date.parse(window.start)) {
      ctx.addIssue({ code: 'custom', path: ['end'], message: `must be after start (${window.start})` });
    }
  })
  .transform(({ start, end, cron, duration, timeZone, ...base }): CalendarWindow => {
    // The refinement above guarantees one complete shape; `?? ''` only satisfies the compiler.
    if (cron !== undefined) return { ...base, cron, duration: duration ?? '', timeZone: timeZone ?? '' };
    return { ...base, start: start ?? '', end: end ?? '' };
  });

export type CalendarWindowInput = z.input<typeof calendarWindowSchema>;
