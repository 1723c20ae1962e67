/**
 * Patch compliance per environment and severity, in the manner of Katello's errata status and
 * Rudder's compliance levels: a target is `compliant` for a severity when every advisory of that
 * severity is `fixed` or `not_affected` on it, `noncompliant` when any is `affected_*`, and
 * `unknown` when none is affected but some is `unknown` (no recent facts). Percentages are of the
 * targets counted, with unknown its own bucket, never folded into compliant (Rudder keeps "did not
 * report" apart from "failed").
 *
 * A target counts in a severity only if it has a row of that severity: callers pass every
 * target × advisory pair, `not_affected` ones included. `overall` is the same over all severities.
 *
 * Overdue: a (target, advisory) pair that is affected (with or without a fix) longer than the
 * severity's SLA, counted from the later of the advisory's `published` and the pair's
 * `firstSeenAt`: a target does not inherit lateness from before it was known to be exposed (a
 * machine added or a package installed today has its full SLA). When neither is known, the pair
 * cannot be late. A null SLA (the default for `unknown`) sets no deadline.
 */
import { SEVERITIES, type Advisory, type ExposureState, type Severity } from './model.js';

/** Days from publication (or first sighting) within which an affected target should be patched. */
export const DEFAULT_SLA_DAYS: Readonly<Record<Severity, number | null>> = { critical: 7, high: 30, medium: 90, low: 180, unknown: null };

const DAY_MS = 24 * 3600 * 1000;

export interface ComplianceRow {
  readonly environment: string;
  readonly target: string;
  readonly advisory: Pick<Advisory, 'id' | 'severity' | 'published'>;
  readonly state: ExposureState;
  /** When this target was first seen affected by this advisory, if recorded. */
  readonly firstSeenAt: string | null;
}

export interface ComplianceCounts {
  /** Targets counted: compliant + noncompliant + unknown. */
  readonly total: number;
  readonly compliant: number;
  readonly noncompliant: number;
  readonly unknown: number;
  /** Of `total`, one decimal; null when `total` is 0. */
  readonly compliantPercent: number | null;
  readonly noncompliantPercent: number | null;
  readonly unknownPercent: number | null;
}

export interface EnvironmentCompliance {
  readonly environment: string;
  readonly severities: Readonly<Record<Severity, ComplianceCounts>>;
  /** Across every severity. */
  readonly overall: ComplianceCounts;
}

export interface OverdueExposure {
  readonly environment: string;
  readonly target: string;
  readonly advisory: string;
  readonly severity: Severity;
  readonly state: 'affected_fix_available' | 'affected_no_fix';
  /** Where the SLA is counted from: the later of `published` and `firstSeenAt`. */
  readonly since: string;
  readonly dueAt: string;
  /** Whole days past `dueAt`. */
  readonly daysOverdue: number;
}

export interface ComplianceReport {
  readonly generatedAt: string;
  readonly sla: Readonly<Record<Severity, number | null>>;
  /** Sorted by name. */
  readonly environments: EnvironmentCompliance[];
  /** Most overdue first, then by environment, target and advisory. */
  readonly overdue: OverdueExposure[];
}

type TargetStatus = 'compliant' | 'noncompliant' | 'unknown';

export function complianceReport(rows: readonly ComplianceRow[], sla: Readonly<Record<Severity, number | null>>, now: Date): ComplianceReport {
  // environment → severity | '*' → target → status
  const statuses = new Map<string, Map<Severity | '*', Map<string, TargetStatus>>>();
  const overdue: OverdueExposure[] = [];
  for (const row of rows) {
    const severity = row.advisory.severity;
    const byBucket = statuses.get(row.environment) ?? new Map<Severity | '*', Map<string, TargetStatus>>();
    statuses.set(row.environment, byBucket);
    for (const bucket of [severity, '*'] as const) {
      const targets = byBucket.get(bucket) ?? new Map<string, TargetStatus>();
      byBucket.set(bucket, targets);
      targets.set(row.target, worse(targets.get(row.target), statusOf(row.state)));
    }
    const late = overdueOf(row, sla[severity], now);
    if (late) overdue.push(late);
  }
  const environments = [...statuses.keys()].sort(byString).map((environment): EnvironmentCompliance => {
    const byBucket = statuses.get(environment)!;
    const severities = Object.fromEntries(SEVERITIES.map((severity) => [severity, countsOf(byBucket.get(severity))])) as Record<Severity, ComplianceCounts>;
    return { environment, severities, overall: countsOf(byBucket.get('*')) };
  });
  overdue.sort((a, b) => b.daysOverdue - a.daysOverdue || byString(a.environment, b.environment) || byString(a.target, b.target) || byString(a.advisory, b.advisory));
  return { generatedAt: now.toISOString(), sla: { ...sla }, environments, overdue };
}

function statusOf(state: ExposureState): TargetStatus {
  if (state === 'affected_fix_available' || state === 'affected_no_fix') return 'noncompliant';
  return state === 'unknown' ? 'unknown' : 'compliant';
}

const STATUS_RANK: Readonly<Record<TargetStatus, number>> = { compliant: 0, unknown: 1, noncompliant: 2 };

function worse(current: TargetStatus | undefined, next: TargetStatus): TargetStatus {
  return current === undefined || STATUS_RANK[next] > STATUS_RANK[current] ? next : current;
}

function countsOf(targets: ReadonlyMap<string, TargetStatus> | undefined): ComplianceCounts {
  const counts = { compliant: 0, noncompliant: 0, unknown: 0 };
  for (const status of targets?.values() ?? []) counts[status] += 1;
  const total = counts.compliant + counts.noncompliant + counts.unknown;
  const percent = (count: number) => (total === 0 ? null : Math.round((count * 1000) / total) / 10);
  return { total, ...counts, compliantPercent: percent(counts.compliant), noncompliantPercent: percent(counts.noncompliant), unknownPercent: percent(counts.unknown) };
}

function overdueOf(row: ComplianceRow, days: number | null, now: Date): OverdueExposure | null {
  if (days === null || (row.state !== 'affected_fix_available' && row.state !== 'affected_no_fix')) return null;
  const starts = [row.advisory.published, row.firstSeenAt].flatMap((value) => {
    const time = value === null ? NaN : Date.parse(value);
    return Number.isNaN(time) ? [] : [time];
  });
  if (starts.length === 0) return null;
  const since = Math.max(...starts);
  const due = since + days * DAY_MS;
  if (now.getTime() <= due) return null;
  return {
    environment: row.environment,
    target: row.target,
    advisory: row.advisory.id,
    severity: row.advisory.severity,
    state: row.state,
    since: new Date(since).toISOString(),
    dueAt: new Date(due).toISOString(),
    daysOverdue: Math.floor((now.getTime() - due) / DAY_MS),
  };
}

function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
