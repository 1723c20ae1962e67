/**
 * Patch management (issue 9): OSV advisories imported into the store, and where every target
 * stands against them, from the packages it last reported (its agent, or a probe over SSH), with
 * when it was first seen affected: the SLA counts from then or from publication, whichever is
 * later. Facts older than a week, or none at all, make a target `unknown`: never compliant.
 */
import { complianceReport, DEFAULT_SLA_DAYS, type ComplianceReport } from '../core/patch/compliance.js';
import { exposureOf } from '../core/patch/exposure.js';
import type { Advisory, ExposureState, TargetPackages } from '../core/patch/model.js';
import { parseOsvAdvisory } from '../core/patch/osv.js';
import { GantryError } from '../core/errors.js';
import type { Application } from '../core/model.js';
import { labelsMatch } from '../core/names.js';
import { factsSchema, type Facts } from '../protocol/agent.js';
import * as store from '../store/advisories.repository.js';
import type { AppDeps } from './app-deps.js';
import { listAllApplications } from './applications.js';
import { listAllTargets, type TargetView } from './targets.js';

/** Facts older than this say nothing reliable about what is installed now. */
const FACTS_FRESH_MS = 7 * 24 * 3600 * 1000;

/**
 * Imports OSV records (each with where it came from, for error messages). All are checked before
 * any is stored: one bad record imports nothing.
 */
export async function importAdvisories(deps: AppDeps, records: readonly { readonly where: string; readonly record: unknown }[]): Promise<store.AdvisoryImport> {
  const seen = new Map<string, string>();
  const parsed = records.map(({ where, record }) => {
    const advisory = parseOsvAdvisory(record, where);
    const earlier = seen.get(advisory.id);
    if (earlier !== undefined) throw new GantryError('REQUEST_INVALID', `${where}: advisory ${advisory.id} is also in ${earlier}; import one record per advisory`, { where });
    seen.set(advisory.id, where);
    return { advisory, record };
  });
  const importedAt = deps.clock.now().toISOString();
  return store.saveAdvisories(
    deps.db,
    parsed.map(({ advisory, record }) => ({ id: advisory.id, severity: advisory.severity, published: advisory.published, modified: advisory.modified, record, importedAt })),
  );
}

export async function listKnownAdvisories(deps: AppDeps): Promise<Advisory[]> {
  return (await store.listAdvisories(deps.db)).map((stored) => parseOsvAdvisory(stored.record, `stored advisory ${stored.id}`));
}

/** A target's last report, when there is one from the last week that reads as facts; else null. */
export function recentFacts(view: TargetView, now: Date): Facts | null {
  if (!view.facts || now.getTime() - Date.parse(view.facts.reportedAt) > FACTS_FRESH_MS) return null;
  const facts = factsSchema.safeParse(view.facts.facts);
  return facts.success ? facts.data : null;
}

/** What a target's last report says is installed, or null when it says nothing usable now. */
export function packagesOf(view: TargetView, now: Date): TargetPackages | null {
  const facts = recentFacts(view, now);
  if (!facts || !facts.packageFormat || !facts.os.id || !view.facts) return null;
  const packages = new Map<string, string>();
  for (const pkg of facts.packages) {
    packages.set(pkg.name, pkg.version);
    // Debian advisories name source packages: libssl3 counts as openssl at its version.
    if (pkg.source !== undefined && !packages.has(pkg.source)) packages.set(pkg.source, pkg.version);
  }
  return { os: { id: facts.os.id, versionId: facts.os.versionId ?? '' }, format: facts.packageFormat, packages, reportedAt: view.facts.reportedAt };
}

/** The environments (of any application) whose selectors pick a target with these labels, sorted. */
export function environmentsOf(applications: readonly Application[], labels: Readonly<Record<string, string>>): string[] {
  return [...new Set(applications.flatMap((application) => application.manifest.environments.filter((environment) => labelsMatch(environment.targets, labels)).map((environment) => environment.name)))].sort();
}

export interface ExposureRow {
  readonly target: string;
  /** The environments whose selectors pick the target (in any application). */
  readonly environments: readonly string[];
  readonly advisory: Pick<Advisory, 'id' | 'aliases' | 'summary' | 'severity' | 'cvssScore' | 'published'>;
  readonly state: ExposureState;
  readonly packages: readonly { readonly name: string; readonly installed: string; readonly fixedIn: string | null }[];
  /** When the target was first seen affected by the advisory (null unless it is affected now). */
  readonly firstSeenAt: string | null;
}

const AFFECTED: ReadonlySet<ExposureState> = new Set(['affected_fix_available', 'affected_no_fix']);

/**
 * Keeps when each target was first seen affected by each advisory: pairs affected now are
 * recorded (an earlier sighting stands), pairs now fixed or not affected are forgotten, and
 * `unknown` changes nothing (no facts say anything either way).
 */
async function recordSightings(deps: AppDeps, rows: readonly { target: string; advisory: string; state: ExposureState }[]): Promise<Map<string, Map<string, string>>> {
  const known = await store.listSightings(deps.db);
  const seen = (row: { target: string; advisory: string }) => known.get(row.target)?.has(row.advisory) ?? false;
  const affected = rows.filter((row) => AFFECTED.has(row.state) && !seen(row));
  const cleared = rows.filter((row) => (row.state === 'fixed' || row.state === 'not_affected') && seen(row));
  if (affected.length === 0 && cleared.length === 0) return known;
  await store.recordSightings(deps.db, affected, cleared, deps.clock.now().toISOString());
  return store.listSightings(deps.db);
}

/** Notes, when a target's facts arrive, which advisories it is now affected by (so the SLA clock starts then, not at the next report). */
export async function noteExposure(deps: AppDeps, view: TargetView): Promise<void> {
  const installed = packagesOf(view, deps.clock.now());
  const advisories = await listKnownAdvisories(deps);
  await recordSightings(deps, advisories.map((advisory) => ({ target: view.target.name, advisory: advisory.id, state: exposureOf(advisory, installed).state })));
}

/** Every target × advisory, for the environments `visible` lets through (a target in none of them is left out). */
export async function patchExposure(deps: AppDeps, visible: (environment: string) => boolean): Promise<ExposureRow[]> {
  const [advisories, targets, applications] = await Promise.all([listKnownAdvisories(deps), listAllTargets(deps), listAllApplications(deps)]);
  const now = deps.clock.now();
  const rows: Omit<ExposureRow, 'firstSeenAt'>[] = [];
  for (const view of targets) {
    const environments = environmentsOf(applications, view.target.labels).filter(visible);
    if (environments.length === 0) continue;
    const installed = packagesOf(view, now);
    for (const advisory of advisories) {
      const { state, packages } = exposureOf(advisory, installed);
      const { id, aliases, summary, severity, cvssScore, published } = advisory;
      rows.push({ target: view.target.name, environments, advisory: { id, aliases, summary, severity, cvssScore, published }, state, packages });
    }
  }
  const sightings = await recordSightings(deps, rows.map((row) => ({ target: row.target, advisory: row.advisory.id, state: row.state })));
  return rows.map((row) => ({ ...row, firstSeenAt: AFFECTED.has(row.state) ? (sightings.get(row.target)?.get(row.advisory.id) ?? null) : null }));
}

/** Per environment and severity: compliant, non-compliant and unknown targets, and what is overdue. */
export async function patchCompliance(deps: AppDeps, visible: (environment: string) => boolean): Promise<ComplianceReport> {
  const exposure = await patchExposure(deps, visible);
  const rows = exposure.flatMap((row) => row.environments.map((environment) => ({ environment, target: row.target, advisory: row.advisory, state: row.state, firstSeenAt: row.firstSeenAt })));
  return complianceReport(rows, DEFAULT_SLA_DAYS, deps.clock.now());
}
