/**
 * Reading one advisory in the OSV schema (https://ossf.github.io/osv-schema/) into Gantry's
 * `Advisory`. The fields Gantry uses are validated; fields it does not know are allowed, since
 * OSV keeps growing.
 *
 * Normalisation:
 * - Only `ECOSYSTEM` ranges are kept (`SEMVER` and `GIT` ranges are validated, then dropped).
 *   Events are put in the ecosystem's version order when Gantry knows its package format (OSV
 *   does not require sorted events), then walked: an `introduced` opens a range, the next `fixed`
 *   or `last_affected` closes it, a range left open is open-ended; an `introduced` while a range
 *   is open, and a `fixed`/`last_affected` with none open, change nothing (as in OSV's evaluation
 *   algorithm); `limit` is ignored. An affected package without a package name, or left with no
 *   range and no listed version, is dropped.
 * - `aliases` and `upstream` (where distributions put their CVE ids) together make `aliases`.
 * - `summary` falls back to the first line of `details`.
 * - Timestamps are kept as ISO 8601 UTC (`toISOString`), so they compare as strings.
 * - Severity: the highest rating among the CVSS v3.x vectors (base score → ≥9 critical, ≥7 high,
 *   ≥4 medium, >0 low) and the `Ubuntu` priorities (negligible counts as low; untriaged as none),
 *   top-level and per package. CVSS v2 and v4 vectors are not scored. With none of those, the
 *   record's `database_specific.severity` word (LOW, MODERATE/MEDIUM, HIGH/IMPORTANT, CRITICAL);
 *   else `unknown`. `cvssScore` is the highest v3 base score, or null.
 * - A withdrawn record (`withdrawn` set) is refused: it no longer describes a vulnerability.
 *   The error's `details.withdrawn` holds the time, so a feed sync can tell it apart from a
 *   broken record and drop its stored copy.
 */
import { z } from 'zod';
import { GantryError } from '../errors.js';
import { cvssV3BaseScore, severityOfCvssScore } from './cvss.js';
import { formatOfEcosystem } from './ecosystems.js';
import type { AffectedPackage, AffectedRange, Advisory, PackageFormat, Severity } from './model.js';
import { compareVersions } from './versions.js';

const timestampSchema = z.iso.datetime({ offset: true, error: 'must be an RFC 3339 timestamp such as "2024-09-03T12:00:00Z"' });

/** OSV ids: `DSA-5678-1`, `USN-6543-1`, `GHSA-xxxx-xxxx-xxxx`, `RHSA-2024:1234`, `openSUSE-SU-2024:0001-1`. */
const idSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:+-]{0,199}$/, 'must be an OSV id such as "DSA-5678-1" (letters, digits, ".", "_", ":", "+" or "-")');

const freeFormSchema = z.record(z.string(), z.unknown());

const UBUNTU_PRIORITIES = ['untriaged', 'negligible', 'low', 'medium', 'high', 'critical'] as const;

const severityEntrySchema = z
  .looseObject({
    type: z.enum(['CVSS_V2', 'CVSS_V3', 'CVSS_V4', 'Ubuntu'], { error: 'must be one of CVSS_V2, CVSS_V3, CVSS_V4 or Ubuntu' }),
    score: z.string().min(1, 'must not be empty'),
  })
  .superRefine((entry, ctx) => {
    if (entry.type === 'CVSS_V3' && cvssV3BaseScore(entry.score) === null) {
      ctx.addIssue({ code: 'custom', path: ['score'], message: `"${entry.score}" is not a CVSS v3.0/v3.1 vector such as "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"` });
    }
    if (entry.type === 'Ubuntu' && !(UBUNTU_PRIORITIES as readonly string[]).includes(entry.score.toLowerCase())) {
      ctx.addIssue({ code: 'custom', path: ['score'], message: `"${entry.score}" is not an Ubuntu priority (${UBUNTU_PRIORITIES.join(', ')})` });
    }
  });

const EVENT_KINDS = ['introduced', 'fixed', 'last_affected', 'limit'] as const;
const versionSchema = z.string().min(1, 'must not be empty');

const eventSchema = z
  .looseObject({ introduced: versionSchema.optional(), fixed: versionSchema.optional(), last_affected: versionSchema.optional(), limit: versionSchema.optional() })
  .superRefine((event, ctx) => {
    const kinds = EVENT_KINDS.filter((kind) => event[kind] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `an event has exactly one of introduced, fixed, last_affected or limit${kinds.length > 1 ? ` (this one has ${kinds.join(' and ')})` : ''}` });
    }
  });

const rangeSchema = z
  .looseObject({
    type: z.enum(['ECOSYSTEM', 'SEMVER', 'GIT'], { error: 'must be ECOSYSTEM, SEMVER or GIT' }),
    repo: z.string().min(1).optional(),
    events: z.array(eventSchema).min(1, 'a range needs at least one event'),
    database_specific: freeFormSchema.optional(),
  })
  .superRefine((range, ctx) => {
    if (range.type === 'GIT' && range.repo === undefined) ctx.addIssue({ code: 'custom', path: ['repo'], message: 'a GIT range needs the repository it counts commits in' });
    if (range.events.length > 0 && !range.events.some((event) => event.introduced !== undefined)) ctx.addIssue({ code: 'custom', path: ['events'], message: 'a range needs at least one "introduced" event (use "0" for "from the first version")' });
  });

const affectedSchema = z.looseObject({
  package: z.looseObject({ ecosystem: z.string().min(1, 'must not be empty'), name: z.string().min(1, 'must not be empty'), purl: z.string().optional() }).optional(),
  severity: z.array(severityEntrySchema).optional(),
  ranges: z.array(rangeSchema).optional(),
  versions: z.array(versionSchema).optional(),
  ecosystem_specific: freeFormSchema.optional(),
  database_specific: freeFormSchema.optional(),
});

/** One OSV record. */
export const osvRecordSchema = z.looseObject({
  schema_version: z.string().optional(),
  id: idSchema,
  modified: timestampSchema,
  published: timestampSchema.optional(),
  withdrawn: timestampSchema.optional(),
  aliases: z.array(idSchema).optional(),
  upstream: z.array(idSchema).optional(),
  related: z.array(z.string()).optional(),
  summary: z.string().optional(),
  details: z.string().optional(),
  severity: z.array(severityEntrySchema).optional(),
  affected: z.array(affectedSchema).optional(),
  references: z.array(z.looseObject({ type: z.string(), url: z.string() })).optional(),
  credits: z.array(z.looseObject({ name: z.string(), contact: z.array(z.string()).optional(), type: z.string().optional() })).optional(),
  database_specific: freeFormSchema.optional(),
});

export type OsvRecord = z.output<typeof osvRecordSchema>;
type OsvSeverityEntry = z.output<typeof severityEntrySchema>;
type OsvEvent = z.output<typeof eventSchema>;

/**
 * Validates one OSV record and normalises it into an `Advisory`. Throws `REQUEST_INVALID` naming
 * `where` (a file name or URL) and the field of the first problem, e.g.
 * `advisories/dsa-1.json: affected.0.ranges.0.events: a range needs at least one event`.
 */
export function parseOsvAdvisory(input: unknown, where: string): Advisory {
  const result = osvRecordSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
    const first = problems[0]!;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
    throw new GantryError('REQUEST_INVALID', `${where}: ${first.path ? `${first.path}: ` : ''}${first.message}${more}`, { where, path: first.path, problems });
  }
  const record = result.data;
  if (record.withdrawn !== undefined) {
    throw new GantryError('REQUEST_INVALID', `${where}: withdrawn: advisory ${record.id} was withdrawn on ${record.withdrawn} and no longer describes a vulnerability`, {
      where,
      path: 'withdrawn',
      id: record.id,
      withdrawn: iso(record.withdrawn),
    });
  }
  const { severity, cvssScore } = severityOf(record);
  return {
    id: record.id,
    aliases: [...new Set([...(record.aliases ?? []), ...(record.upstream ?? [])])].filter((alias) => alias !== record.id),
    summary: summaryOf(record),
    severity,
    cvssScore,
    published: record.published === undefined ? null : iso(record.published),
    modified: iso(record.modified),
    affected: (record.affected ?? []).flatMap((entry): AffectedPackage[] => {
      if (!entry.package) return [];
      const format = formatOfEcosystem(entry.package.ecosystem);
      const ranges = (entry.ranges ?? []).filter((range) => range.type === 'ECOSYSTEM').flatMap((range) => rangesOfEvents(range.events, format));
      const versions = entry.versions ?? [];
      if (ranges.length === 0 && versions.length === 0) return [];
      return [{ ecosystem: entry.package.ecosystem, name: entry.package.name, ranges, versions }];
    }),
  };
}

function iso(timestamp: string): string {
  return new Date(timestamp).toISOString();
}

function summaryOf(record: OsvRecord): string {
  const summary = record.summary?.trim();
  if (summary) return summary;
  return (record.details ?? '').trim().split('\n')[0]?.trim() ?? '';
}

/** Walks the events of one ECOSYSTEM range into closed and open ranges (see the module comment). */
export function rangesOfEvents(events: readonly OsvEvent[], format: PackageFormat | null): AffectedRange[] {
  const ordered = format === null ? events : sortEvents(events, format);
  const ranges: AffectedRange[] = [];
  let open: string | null = null;
  for (const event of ordered) {
    if (event.introduced !== undefined) {
      open ??= event.introduced;
    } else if (event.fixed !== undefined) {
      if (open !== null) ranges.push({ introduced: open, fixed: event.fixed, lastAffected: null });
      open = null;
    } else if (event.last_affected !== undefined) {
      if (open !== null) ranges.push({ introduced: open, fixed: null, lastAffected: event.last_affected });
      open = null;
    }
  }
  if (open !== null) ranges.push({ introduced: open, fixed: null, lastAffected: null });
  return ranges;
}

/** Events in version order (stable for equal versions); `introduced: "0"` sorts before everything. */
function sortEvents(events: readonly OsvEvent[], format: PackageFormat): OsvEvent[] {
  const versionOf = (event: OsvEvent): string | null => {
    if (event.introduced !== undefined) return event.introduced === '0' ? null : event.introduced;
    return event.fixed ?? event.last_affected ?? event.limit ?? null;
  };
  return [...events].sort((a, b) => {
    const left = versionOf(a);
    const right = versionOf(b);
    if (left === null || right === null) return left === right ? 0 : left === null ? -1 : 1;
    return compareVersions(format, left, right);
  });
}

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { unknown: 0, low: 1, medium: 2, high: 3, critical: 4 };

const UBUNTU_SEVERITY: Readonly<Record<(typeof UBUNTU_PRIORITIES)[number], Severity | null>> = {
  untriaged: null,
  negligible: 'low',
  low: 'low',
  medium: 'medium',
  high: 'high',
  critical: 'critical',
};

const DATABASE_SEVERITY: Readonly<Record<string, Severity>> = {
  LOW: 'low',
  MODERATE: 'medium',
  MEDIUM: 'medium',
  HIGH: 'high',
  IMPORTANT: 'high',
  CRITICAL: 'critical',
};

function severityOf(record: OsvRecord): { severity: Severity; cvssScore: number | null } {
  const entries: OsvSeverityEntry[] = [...(record.severity ?? []), ...(record.affected ?? []).flatMap((entry) => entry.severity ?? [])];
  const scores = entries.filter((entry) => entry.type === 'CVSS_V3').flatMap((entry) => cvssV3BaseScore(entry.score) ?? []);
  const cvssScore = scores.length > 0 ? Math.max(...scores) : null;
  const ratings: Severity[] = [
    ...scores.flatMap((score) => severityOfCvssScore(score) ?? []),
    ...entries.filter((entry) => entry.type === 'Ubuntu').flatMap((entry) => UBUNTU_SEVERITY[entry.score.toLowerCase() as keyof typeof UBUNTU_SEVERITY] ?? []),
  ];
  if (ratings.length > 0) return { severity: highest(ratings), cvssScore };
  const word = record.database_specific?.['severity'];
  const fallback = typeof word === 'string' ? DATABASE_SEVERITY[word.trim().toUpperCase()] : undefined;
  return { severity: fallback ?? 'unknown', cvssScore };
}

function highest(severities: readonly Severity[]): Severity {
  return severities.reduce((best, severity) => (SEVERITY_RANK[severity] > SEVERITY_RANK[best] ? severity : best), 'unknown' as Severity);
}
