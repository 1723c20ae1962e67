import { labelsMatch, type Labels } from '../names.js';
import type { CalendarWindow } from './window.js';

/** A target a change touches, as far as windows care: its name and labels. */
export interface CalendarTarget {
  readonly name: string;
  readonly labels: Labels;
}

/**
 * What a change (or a deployment batch) touches: one app in one environment, on these targets.
 * Windows scoped by target labels are judged per target; with no targets listed, only windows
 * without a label selector can apply.
 */
export interface CalendarScope {
  readonly app: string;
  readonly environment: string;
  readonly targets: readonly CalendarTarget[];
}

/** Whether the window covers this app and environment on this target (or, without one, as a whole). */
export function windowCoversTarget(window: CalendarWindow, scope: CalendarScope, target: CalendarTarget | undefined): boolean {
  const { environments, apps, targetLabels } = window.scope;
  if (environments.length > 0 && !environments.includes(scope.environment)) return false;
  if (apps.length > 0 && !apps.includes(scope.app)) return false;
  if (Object.keys(targetLabels).length === 0) return true;
  return target !== undefined && labelsMatch(targetLabels, target.labels);
}

/** Whether the window covers any part of what the scope touches. */
export function windowApplies(window: CalendarWindow, scope: CalendarScope): boolean {
  return scopeTargets(scope).some((target) => windowCoversTarget(window, scope, target));
}

/**
 * Targets whose maintenance is governed by the same maintenance windows. A change must be
 * inside a maintenance window of every group: a web server's Saturday-night window does not
 * make Saturday night right for the database server the same change touches. Targets that no
 * maintenance window covers may change at any time and form no group.
 */
export interface MaintenanceGroup {
  readonly windows: readonly CalendarWindow[];
  /** Names of the targets in the group; empty when the scope lists no targets. */
  readonly targets: readonly string[];
}

export function maintenanceGroups(windows: readonly CalendarWindow[], scope: CalendarScope): MaintenanceGroup[] {
  const maintenance = windows.filter((window) => window.kind === 'maintenance');
  const groups = new Map<string, { windows: CalendarWindow[]; targets: string[] }>();
  for (const target of scopeTargets(scope)) {
    const covering = maintenance.filter((window) => windowCoversTarget(window, scope, target));
    if (covering.length === 0) continue;
    const key = covering.map((window) => window.name).join('\n');
    const group = groups.get(key) ?? { windows: covering, targets: [] };
    if (target) group.targets.push(target.name);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** The targets to judge windows by; `undefined` stands for the scope as a whole when it lists none. */
function scopeTargets(scope: CalendarScope): readonly (CalendarTarget | undefined)[] {
  return scope.targets.length > 0 ? scope.targets : [undefined];
}
