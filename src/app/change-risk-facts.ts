import { conflictsOf } from '../core/calendar/conflicts.js';
import type { Interval } from '../core/calendar/intervals.js';
import { occurrences } from '../core/calendar/occurrences.js';
import { maintenanceGroups, windowApplies, type CalendarScope } from '../core/calendar/scope.js';
import type { CalendarWindow } from '../core/calendar/window.js';
import type { ChangeType } from '../core/change/change-machine.js';
import type { RiskFacts } from '../core/change/risk.js';
import type { MaintenanceWindowPosition } from '../core/change/risk-config.js';
import { isTerminalDeploymentState } from '../core/deployment/deployment-machine.js';
import { GantryError } from '../core/errors.js';
import { parseManifest } from '../core/manifest/parse-manifest.js';
import { criticalityOf, type Manifest } from '../core/manifest/schema.js';
import type { Deployment, Release, Target } from '../core/model.js';
import { resolveVariables } from '../core/variables/resolve-variables.js';
import { listWindows } from '../store/calendar-windows.repository.js';
import { hasSucceeded, listDeployments, listSucceededVersions } from '../store/deployments.repository.js';
import type { AppDeps } from './app-deps.js';
import type { PlannedRelease } from './change-plans.js';
import { applicationsImpactedBy } from './inventory.js';
import { requireRelease } from './releases.js';

/**
 * Gathers the facts the change risk score is computed from (core/change/risk.ts), from what the
 * store and the release archives hold. Nothing is judged here: `assessRisk` weighs the facts.
 */

export interface RiskFactsRequest {
  readonly changeType: ChangeType;
  /** The planned window; null means "now, for an hour". */
  readonly window: { readonly start: Date; readonly end: Date } | null;
  readonly now: Date;
}

const HOUR_MS = 3_600_000;
/** A change without a planned window is taken to run from now for this long. */
const UNPLANNED_WINDOW_MS = HOUR_MS;
/** How far after the planned end a freeze is looked for. */
const FREEZE_SEARCH_MS = 30 * 24 * HOUR_MS;
/** How many of the app's finished deployments to the environment make its recent history. */
const RECENT_DEPLOYMENTS = 10;
/** Deployments read per query while looking for the recent finished ones; doubled until enough are found. */
const FIRST_PAGE = 50;

/** The facts about deploying `planned` (a release going to an environment, see change-plans.ts). */
export async function gatherRiskFacts(deps: AppDeps, planned: PlannedRelease, request: RiskFactsRequest): Promise<RiskFacts> {
  const window = plannedWindow(request);
  const { release, manifest, environment, targets: touched } = planned;
  const app = release.app;
  const scope: CalendarScope = { app, environment: environment.name, targets: touched.map(({ name, labels }) => ({ name, labels })) };

  const [releaseFacts, recentDeployments, windowSeen, previousEnvironment, impactedApplications] = await Promise.all([
    compareWithLive(deps, release, manifest, environment.name, touched),
    recentHistory(deps, app, environment.name),
    windowFacts(deps, window, scope, request.now),
    previousEnvironmentOf(deps, manifest, { app, version: release.version, environment: environment.name }),
    applicationsImpactedBy(deps, app),
  ]);
  return {
    environment: { name: environment.name, criticality: criticalityOf(environment) },
    changeType: request.changeType,
    // A deployment goes to every target the environment selects today; once a change can name
    // a subset (a canary or a targeted fix), `touched` becomes that subset.
    targets: { touched: touched.length, inEnvironment: touched.length },
    release: releaseFacts,
    recentDeployments,
    window: windowSeen,
    previousEnvironment,
    ...(impactedApplications.length > 0 ? { impact: { applications: impactedApplications } } : {}),
  };
}

function plannedWindow(request: RiskFactsRequest): Interval {
  if (request.window === null) return { start: request.now, end: new Date(request.now.getTime() + UNPLANNED_WINDOW_MS) };
  if (request.window.end.getTime() <= request.window.start.getTime()) {
    throw new GantryError('REQUEST_INVALID', `the planned window ends (${request.window.end.toISOString()}) before it starts (${request.window.start.toISOString()})`, { where: 'window' });
  }
  return request.window;
}

/**
 * What changes compared with the release live in the environment: the version of its newest
 * succeeded deployment (a succeeded rollback included), as `gantry status` shows it. With
 * nothing live, everything in the release is new: every file and every variable or config entry
 * with a value here counts as added, since an approver has seen none of it run there.
 */
async function compareWithLive(deps: AppDeps, release: Release, manifest: Manifest, environment: string, touched: readonly Target[]): Promise<RiskFacts['release']> {
  const [live] = await listSucceededVersions(deps.db, release.app, environment);
  const liveRelease = live === undefined ? null : await requireRelease(deps, release.app, live.version);
  const liveManifest = liveRelease === null ? null : parseManifest(liveRelease.manifestSource, `release ${liveRelease.app} ${liveRelease.version}`);
  const [files, liveFiles] = await Promise.all([deps.archives.fileDigests(release.digest), liveRelease === null ? new Map<string, string>() : deps.archives.fileDigests(liveRelease.digest)]);
  const variablesChanged =
    changedVariables(manifest, liveManifest, environment, touched) +
    countDifferences(configEntries(manifest, files), liveManifest === null ? new Map() : configEntries(liveManifest, liveFiles));
  return { filesChanged: countDifferences(files, liveFiles), variablesChanged, hasMigrationHooks: hasMigrationHooks(manifest) };
}

/** Keys present in only one of the maps, plus keys whose values differ. */
function countDifferences(current: ReadonlyMap<string, string | undefined>, live: ReadonlyMap<string, string | undefined>): number {
  let count = 0;
  for (const [key, value] of current) if (!live.has(key) || live.get(key) !== value) count += 1;
  for (const key of live.keys()) if (!current.has(key)) count += 1;
  return count;
}

/**
 * Variables whose value in this environment is added, removed or different, each counted once.
 * Values are resolved as a deployment resolves them (target, then environment, then default),
 * for every touched target, so a target override that changed counts too; with no target, the
 * environment's own value is compared.
 */
function changedVariables(manifest: Manifest, live: Manifest | null, environment: string, touched: readonly Target[]): number {
  // '' is never a target name, so it resolves the environment's value without any target override.
  const targets = touched.length > 0 ? touched.map((target) => target.name) : [''];
  const changed = new Set<string>();
  for (const target of targets) {
    const values = resolveVariables(manifest.variables, { environment, target });
    const liveValues = live === null ? {} : resolveVariables(live.variables, { environment, target });
    for (const name of new Set([...Object.keys(values), ...Object.keys(liveValues)])) {
      if (values[name] !== liveValues[name]) changed.add(name);
    }
  }
  return changed.size;
}

/**
 * The `config` entries by the path they render to, each with the digest of its template's
 * content: an entry added or removed, or whose template content changed, is one change. A
 * template that only moved inside the archive, with the same content, is not a change.
 */
function configEntries(manifest: Manifest, files: ReadonlyMap<string, string>): Map<string, string | undefined> {
  return new Map(manifest.config.map((entry) => [normalisePath(entry.path), files.get(normalisePath(entry.template))]));
}

/** Archive and manifest paths compared the same way: no empty or `.` segments. */
function normalisePath(path: string): string {
  return path
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.')
    .join('/');
}

/**
 * Whether a hook looks like it migrates data: its name or command mentions "migrat" (migrate,
 * migration, …). A heuristic until migrations get their own declaration in the manifest: a
 * hook that calls a script with another name is not seen.
 */
function hasMigrationHooks(manifest: Manifest): boolean {
  return Object.entries(manifest.hooks).some(([name, hook]) => {
    if (hook === undefined) return false;
    const command = typeof hook === 'string' ? hook : hook.run;
    return /migrat/i.test(name) || /migrat/i.test(command);
  });
}

/**
 * The app's last ten finished deployments (deploy or rollback) to the environment, newest first.
 * Cancelled ones are left out: they ended before changing anything, so they say nothing about
 * how changes go. A rollback deployment counts as a failure even when it succeeded: someone had
 * to undo a change. Deployments of one app to one environment run one at a time, so the order
 * they were created in is the order they finished in.
 */
async function recentHistory(deps: AppDeps, app: string, environment: string): Promise<RiskFacts['recentDeployments']> {
  let finished: Deployment[] = [];
  for (let limit = FIRST_PAGE; ; limit *= 2) {
    const page = await listDeployments(deps.db, { app, environment, limit });
    finished = page.filter((deployment) => isTerminalDeploymentState(deployment.state) && deployment.state !== 'cancelled');
    if (finished.length >= RECENT_DEPLOYMENTS || page.length < limit) break;
  }
  const recent = finished.slice(0, RECENT_DEPLOYMENTS);
  const failedOrRolledBack = recent.filter(
    (deployment) => deployment.kind === 'rollback' || deployment.state === 'failed' || deployment.state === 'rolled_back' || deployment.state === 'rollback_failed',
  ).length;
  return { count: recent.length, failedOrRolledBack };
}

/**
 * Where the planned window sits among the stored windows that cover the scope (the app, the
 * environment and the targets it touches):
 * - maintenance: `none` when no maintenance window covers any touched target; `inside` when the
 *   whole planned window lies in the maintenance windows of every group of targets
 *   (`conflictsOf` judges this as it does when a change is scheduled); else `outside`.
 * - next freeze: hours from the planned end to the start of the first freeze occurrence
 *   starting in the 30 days after it; 0 when a freeze overlaps the planned window itself, since
 *   there is no time at all to fix anything.
 * - lead time: hours from now to the planned start, never negative.
 */
async function windowFacts(deps: AppDeps, planned: Interval, scope: CalendarScope, now: Date): Promise<RiskFacts['window']> {
  const windows = (await listWindows(deps.db)).map((stored) => stored.window);
  const conflicts = conflictsOf(planned, scope, windows);
  const maintenanceWindow: MaintenanceWindowPosition =
    maintenanceGroups(windows, scope).length === 0 ? 'none' : conflicts.some((conflict) => conflict.kind === 'outside_maintenance') ? 'outside' : 'inside';
  const hoursUntilFreeze = conflicts.some((conflict) => conflict.kind === 'freeze') ? 0 : hoursToNextFreeze(planned.end, windows, scope);
  return { maintenanceWindow, hoursUntilFreeze, leadTimeHours: Math.max(0, planned.start.getTime() - now.getTime()) / HOUR_MS };
}

function hoursToNextFreeze(after: Date, windows: readonly CalendarWindow[], scope: CalendarScope): number | null {
  const until = new Date(after.getTime() + FREEZE_SEARCH_MS);
  const starts = windows
    .filter((window) => window.kind === 'freeze' && windowApplies(window, scope))
    .flatMap((window) => occurrences(window, after, until))
    .map((occurrence) => occurrence.start.getTime())
    .filter((start) => start >= after.getTime() && start < until.getTime());
  return starts.length === 0 ? null : (Math.min(...starts) - after.getTime()) / HOUR_MS;
}

/**
 * The environment before this one in the release's lifecycle and whether this version has
 * succeeded there; null when the environment is the first, is not in the lifecycle, or the
 * manifest has no lifecycle.
 */
async function previousEnvironmentOf(deps: AppDeps, manifest: Manifest, request: { app: string; version: string; environment: string }): Promise<RiskFacts['previousEnvironment']> {
  const lifecycle = manifest.lifecycle ?? [];
  const position = lifecycle.indexOf(request.environment);
  const previous = position > 0 ? lifecycle[position - 1] : undefined;
  if (previous === undefined) return null;
  return { name: previous, succeeded: await hasSucceeded(deps.db, request.app, previous, request.version) };
}
