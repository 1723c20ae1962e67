import { containsInstant, type Interval } from './intervals.js';
import { occurrences } from './occurrences.js';
import { maintenanceGroups, windowApplies, type CalendarScope } from './scope.js';
import type { CalendarWindow } from './window.js';

/** A window together with the occurrence of it that is open at some instant. */
export interface OpenWindow {
  readonly window: CalendarWindow;
  readonly occurrence: Interval;
}

/** The windows that cover the scope and are open at the instant, maintenance and freeze alike. */
export function windowsAt(instant: Date, windows: readonly CalendarWindow[], scope: CalendarScope): OpenWindow[] {
  return windows.filter((window) => windowApplies(window, scope)).flatMap((window) => openOccurrence(window, instant));
}

/**
 * Whether a change to the scope may run now as far as maintenance windows go: every group of
 * targets that has maintenance windows has one open. A scope no maintenance window covers may
 * change at any time. Freezes are a separate question (`activeFreeze`).
 */
export function isInsideMaintenance(instant: Date, windows: readonly CalendarWindow[], scope: CalendarScope): boolean {
  return maintenanceGroups(windows, scope).every((group) => group.windows.some((window) => openOccurrence(window, instant).length > 0));
}

/**
 * The freeze covering the scope at the instant, or undefined. When several are open, the one
 * that closes last, so that "frozen until …" tells the whole wait these freezes impose.
 */
export function activeFreeze(instant: Date, windows: readonly CalendarWindow[], scope: CalendarScope): OpenWindow | undefined {
  const open = windowsAt(instant, windows.filter((window) => window.kind === 'freeze'), scope);
  return open.reduce<OpenWindow | undefined>(
    (latest, candidate) => (latest && latest.occurrence.end.getTime() >= candidate.occurrence.end.getTime() ? latest : candidate),
    undefined,
  );
}

function openOccurrence(window: CalendarWindow, instant: Date): OpenWindow[] {
  const justAfter = new Date(instant.getTime() + 1);
  return occurrences(window, instant, justAfter)
    .filter((occurrence) => containsInstant(occurrence, instant))
    .slice(-1)
    .map((occurrence) => ({ window, occurrence }));
}
