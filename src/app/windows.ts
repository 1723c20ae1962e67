import { occurrences } from '../core/calendar/occurrences.js';
import { calendarWindowSchema, type CalendarWindow, type WindowKind } from '../core/calendar/window.js';
import type { ChangeState } from '../core/change/change-machine.js';
import { GantryError } from '../core/errors.js';
import { listChangesInWindow } from '../store/change-requests.repository.js';
import { deleteWindow, getWindow, insertWindow, listWindows as listStoredWindows, type StoredWindow } from '../store/calendar-windows.repository.js';
import type { AppDeps } from './app-deps.js';
import { parseInput } from './parse-input.js';

export type { StoredWindow };

const DAY_MS = 86_400_000;
/** A calendar without `to` shows this much from `from`. */
export const DEFAULT_CALENDAR_DAYS = 30;
/** The longest range one calendar request may ask for, so that a query stays bounded. */
export const MAX_CALENDAR_DAYS = 366;

/** Reads a window definition; every problem is a REQUEST_INVALID naming the field (`where`). */
export function parseWindowDefinition(input: unknown): CalendarWindow {
  return parseInput(calendarWindowSchema, input, '', 'window');
}

/** Adds a maintenance or freeze window; names are unique (WINDOW_EXISTS). */
export async function addWindow(deps: AppDeps, definition: unknown): Promise<StoredWindow> {
  const window = parseWindowDefinition(definition);
  const stored: StoredWindow = { window, createdAt: deps.clock.now().toISOString() };
  await insertWindow(deps.db, stored);
  return stored;
}

export async function listWindows(deps: AppDeps): Promise<StoredWindow[]> {
  return listStoredWindows(deps.db);
}

export async function showWindow(deps: AppDeps, name: string): Promise<StoredWindow> {
  const stored = await getWindow(deps.db, name);
  if (!stored) throw new GantryError('WINDOW_NOT_FOUND', `window ${name} does not exist`, { where: 'name' });
  return stored;
}

export async function removeWindow(deps: AppDeps, name: string): Promise<void> {
  if (!(await deleteWindow(deps.db, name))) throw new GantryError('WINDOW_NOT_FOUND', `window ${name} does not exist`, { where: 'name' });
}

export interface CalendarQuery {
  /** Default: now. */
  readonly from?: Date | undefined;
  /** Default: `from` + 30 days. */
  readonly to?: Date | undefined;
  /** Only windows that cover this environment (windows for every environment included). */
  readonly environment?: string | undefined;
  /** Only windows that cover this application (windows for every application included). */
  readonly app?: string | undefined;
}

export interface CalendarOccurrence {
  readonly window: string;
  readonly kind: WindowKind;
  readonly start: Date;
  readonly end: Date;
}

/** A change request's planned window, as the calendar shows it. */
export interface CalendarChange {
  readonly id: string;
  readonly title: string;
  readonly state: ChangeState;
  readonly app: string;
  readonly environment: string;
  readonly start: Date;
  readonly end: Date;
}

export interface Calendar {
  readonly from: Date;
  readonly to: Date;
  readonly occurrences: readonly CalendarOccurrence[];
  readonly changes: readonly CalendarChange[];
}

/** Changes the calendar shows: booked ones and those that ran; drafts, cancelled and rejected ones hold no time. */
const SHOWN_CHANGE_STATES: readonly ChangeState[] = ['assess', 'authorize', 'scheduled', 'implement', 'review', 'closed'];

function covers(selected: readonly string[], name: string | undefined): boolean {
  return name === undefined || selected.length === 0 || selected.includes(name);
}

/**
 * Every opening of every window in [from, to), sorted by start (then window name), and the
 * changes planned in that time, earliest first. An opening
 * that began before `from` or ends after `to` is included whole. Filtering by environment or
 * app keeps windows scoped to it and windows scoped to every one; a window's target-label
 * selector does not filter (the calendar shows what could apply).
 */
export async function calendar(deps: AppDeps, query: CalendarQuery): Promise<Calendar> {
  const from = query.from ?? deps.clock.now();
  const to = query.to ?? new Date(from.getTime() + DEFAULT_CALENDAR_DAYS * DAY_MS);
  if (to.getTime() <= from.getTime()) {
    throw new GantryError('REQUEST_INVALID', `to (${to.toISOString()}) must be after from (${from.toISOString()})`, { where: 'to' });
  }
  if (to.getTime() - from.getTime() > MAX_CALENDAR_DAYS * DAY_MS) {
    throw new GantryError('REQUEST_INVALID', `the calendar covers at most ${MAX_CALENDAR_DAYS} days; ask for a shorter range than ${from.toISOString()} to ${to.toISOString()}`, { where: 'to' });
  }
  const windows = (await listStoredWindows(deps.db))
    .map((stored) => stored.window)
    .filter((window) => covers(window.scope.environments, query.environment) && covers(window.scope.apps, query.app));
  const found = windows.flatMap((window) => occurrences(window, from, to).map((interval) => ({ window: window.name, kind: window.kind, start: interval.start, end: interval.end })));
  found.sort((a, b) => a.start.getTime() - b.start.getTime() || (a.window < b.window ? -1 : a.window > b.window ? 1 : 0));
  const changes = (await listChangesInWindow(deps.db, from, to, SHOWN_CHANGE_STATES))
    .filter((change) => (query.app === undefined || change.computed.app === query.app) && (query.environment === undefined || change.computed.environment === query.environment))
    .map((change) => ({
      id: change.id,
      title: change.title,
      state: change.state,
      app: change.computed.app,
      environment: change.computed.environment,
      start: new Date(change.plan.window!.start),
      end: new Date(change.plan.window!.end),
    }));
  return { from, to, occurrences: found, changes };
}
