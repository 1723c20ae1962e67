import type { BusyInterval } from './busy.js';
import { describeInterval } from './describe-time.js';
import { mergeIntervals, overlaps, subtractIntervals, type Interval } from './intervals.js';
import { occurrences } from './occurrences.js';
import { maintenanceGroups, windowApplies, type CalendarScope } from './scope.js';
import type { CalendarWindow } from './window.js';

/**
 * One reason a change cannot run in the time it asks for, with the cause in words for people.
 * The kinds follow ServiceNow's change collision checks: inside a blackout, outside a
 * maintenance window, configuration item already in another change.
 */
export type CalendarConflict =
  | { readonly kind: 'freeze'; readonly window: string; readonly occurrence: Interval; readonly cause: string }
  | { readonly kind: 'outside_maintenance'; readonly targets: readonly string[]; readonly outside: readonly Interval[]; readonly cause: string }
  | { readonly kind: 'busy'; readonly what: string; readonly busy: Interval; readonly cause: string };

/**
 * Everything in the calendar that stands against running a change to the scope in [start,
 * end): each occurrence of a freeze covering the scope that overlaps it, each group of targets
 * whose maintenance windows do not contain all of it, and each busy interval that overlaps it.
 * No conflicts is an empty list. Run when a change is scheduled and again before each batch.
 */
export function conflictsOf(
  planned: Interval,
  scope: CalendarScope,
  windows: readonly CalendarWindow[],
  busy: readonly BusyInterval[] = [],
): CalendarConflict[] {
  const freezes = windows
    .filter((window) => window.kind === 'freeze' && windowApplies(window, scope))
    .flatMap((window) =>
      occurrences(window, planned.start, planned.end).map((occurrence): CalendarConflict => ({
        kind: 'freeze',
        window: window.name,
        occurrence,
        cause: `freeze "${window.name}" ${describeInterval(occurrence)} overlaps`,
      })),
    );

  const outsideMaintenance = maintenanceGroups(windows, scope).flatMap((group): CalendarConflict[] => {
    const open = mergeIntervals(group.windows.flatMap((window) => occurrences(window, planned.start, planned.end)));
    const outside = subtractIntervals([planned], open);
    if (outside.length === 0) return [];
    const whose = group.targets.length > 0 && group.targets.length < scope.targets.length ? ` for ${group.targets.join(', ')}` : '';
    const when = open.length > 0 ? ` during ${outside.map(describeInterval).join(', ')}` : '';
    return [{ kind: 'outside_maintenance', targets: group.targets, outside, cause: `outside every maintenance window of ${scope.environment}${whose}${when}` }];
  });

  const taken = busy
    .filter((other) => overlaps(other, planned))
    .map((other): CalendarConflict => ({
      kind: 'busy',
      what: other.what,
      busy: { start: other.start, end: other.end },
      cause: `${other.what} overlaps ${describeInterval(other)}`,
    }));

  return [...freezes, ...outsideMaintenance, ...taken];
}
