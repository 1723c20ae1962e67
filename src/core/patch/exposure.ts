/**
 * Where one target stands against one advisory, from the packages it last reported.
 *
 * - No facts (`null`: none reported, or too old; the caller judges staleness) → `unknown`.
 * - None of the advisory's ecosystems applies to the target's OS → `not_affected`.
 * - Each package the applicable entries name is looked up by name in the target's packages (the
 *   caller also keys them by source package name, which Debian and Ubuntu advisories use). Entries
 *   naming the same package in several applicable ecosystems (`Debian` and `Debian:12`) are merged.
 *   Not installed → not affected by it. An ecosystem whose versions are ordered in another format
 *   than the target's → `unknown` for that package.
 * - Installed and affected (in a range: ≥ introduced (`0` = everything) and < fixed, ≤
 *   last_affected, or open; or listed in `versions`) → `affected_fix_available` when some range's
 *   fixed version is above the installed one and not itself affected (`fixedIn` = the smallest
 *   such), else `affected_no_fix`.
 * - Installed, not affected, and at or above the fixed version (or above the last affected one) of
 *   a range it was introduced in → `fixed` (`fixedIn` = the highest such fixed version at or
 *   below the installed one; null when only a `last_affected` bound was passed).
 * - Otherwise (installed before the vulnerability was introduced) → not affected by it.
 * Across packages the worst state wins: affected_fix_available, affected_no_fix, unknown, fixed,
 * not_affected. `packages` lists every installed package involved that is not merely not affected.
 */
import { ecosystemApplies, formatOfEcosystem } from './ecosystems.js';
import type { Advisory, AffectedRange, ExposureState, TargetPackages } from './model.js';
import { compareVersions } from './versions.js';

export interface ExposedPackage {
  readonly name: string;
  readonly installed: string;
  readonly fixedIn: string | null;
}

export interface Exposure {
  readonly state: ExposureState;
  readonly packages: ExposedPackage[];
}

const STATE_RANK: Readonly<Record<ExposureState, number>> = { not_affected: 0, fixed: 1, unknown: 2, affected_no_fix: 3, affected_fix_available: 4 };

export function exposureOf(advisory: Advisory, target: TargetPackages | null): Exposure {
  if (target === null) return { state: 'unknown', packages: [] };
  const byName = new Map<string, { ranges: AffectedRange[]; versions: string[]; comparable: boolean }>();
  for (const affected of advisory.affected) {
    if (!ecosystemApplies(affected.ecosystem, target.os)) continue;
    const entry = byName.get(affected.name) ?? { ranges: [], versions: [], comparable: true };
    entry.ranges.push(...affected.ranges);
    entry.versions.push(...affected.versions);
    entry.comparable &&= formatOfEcosystem(affected.ecosystem) === target.format;
    byName.set(affected.name, entry);
  }
  let state: ExposureState = 'not_affected';
  const packages: ExposedPackage[] = [];
  for (const [name, entry] of [...byName].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const installed = target.packages.get(name);
    if (installed === undefined) continue;
    const verdict = entry.comparable ? judge(installed, entry.ranges, entry.versions, (a, b) => compareVersions(target.format, a, b)) : { state: 'unknown' as const, fixedIn: null };
    if (verdict.state === 'not_affected') continue;
    packages.push({ name, installed, fixedIn: verdict.fixedIn });
    if (STATE_RANK[verdict.state] > STATE_RANK[state]) state = verdict.state;
  }
  return { state, packages };
}

type Compare = (a: string, b: string) => number;

function judge(installed: string, ranges: readonly AffectedRange[], versions: readonly string[], compare: Compare): { state: ExposureState; fixedIn: string | null } {
  const introducedBy = (range: AffectedRange, version: string) => range.introduced === '0' || compare(version, range.introduced) >= 0;
  const inRange = (range: AffectedRange, version: string) =>
    introducedBy(range, version) && (range.fixed !== null ? compare(version, range.fixed) < 0 : range.lastAffected !== null ? compare(version, range.lastAffected) <= 0 : true);
  const isAffected = (version: string) => versions.some((listed) => listed === version || compare(listed, version) === 0) || ranges.some((range) => inRange(range, version));
  const smallest = (values: string[]) => values.reduce<string | null>((best, value) => (best === null || compare(value, best) < 0 ? value : best), null);
  const largest = (values: string[]) => values.reduce<string | null>((best, value) => (best === null || compare(value, best) > 0 ? value : best), null);

  if (isAffected(installed)) {
    const fixes = ranges.flatMap((range) => (range.fixed !== null && compare(range.fixed, installed) > 0 && !isAffected(range.fixed) ? [range.fixed] : []));
    const fixedIn = smallest(fixes);
    return { state: fixedIn === null ? 'affected_no_fix' : 'affected_fix_available', fixedIn };
  }
  const passed = ranges.filter(
    (range) =>
      introducedBy(range, installed) &&
      ((range.fixed !== null && compare(installed, range.fixed) >= 0) || (range.fixed === null && range.lastAffected !== null && compare(installed, range.lastAffected) > 0)),
  );
  if (passed.length === 0) return { state: 'not_affected', fixedIn: null };
  return { state: 'fixed', fixedIn: largest(passed.flatMap((range) => (range.fixed === null ? [] : [range.fixed]))) };
}
