/**
 * Patch management's domain (issue 9): advisories in the OSV schema's terms, and where each
 * target stands against them. Pure types; the rules live beside them.
 */

/** How installed package versions are ordered: Debian's dpkg rules, or RPM's rpmvercmp. */
export type PackageFormat = 'dpkg' | 'rpm';

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'unknown'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** One range of affected versions: from `introduced` (inclusive; `0` = the first), up to `fixed` (exclusive) or `lastAffected` (inclusive), or open-ended. */
export interface AffectedRange {
  readonly introduced: string;
  readonly fixed: string | null;
  readonly lastAffected: string | null;
}

/** A package an advisory affects, in one ecosystem (OSV `affected[]`). */
export interface AffectedPackage {
  /** OSV ecosystem, e.g. `Debian:12`, `Ubuntu:22.04`, `Rocky Linux:9`. */
  readonly ecosystem: string;
  readonly name: string;
  readonly ranges: readonly AffectedRange[];
  /** Versions listed one by one (OSV `versions`), affected whatever the ranges say. */
  readonly versions: readonly string[];
}

export interface Advisory {
  /** OSV id, e.g. `DSA-5678-1`, `USN-6543-1`, `GHSA-…`. */
  readonly id: string;
  /** CVE ids and other names of the same problem. */
  readonly aliases: readonly string[];
  readonly summary: string;
  readonly severity: Severity;
  /** The highest CVSS base score given, if any. */
  readonly cvssScore: number | null;
  readonly published: string | null;
  readonly modified: string;
  readonly affected: readonly AffectedPackage[];
}

/**
 * Where one target stands against one advisory. `unknown` (no recent facts, or a package format
 * the advisory's ecosystem cannot be compared in) is never counted as compliant.
 */
export type ExposureState = 'affected_fix_available' | 'affected_no_fix' | 'fixed' | 'not_affected' | 'unknown';

/**
 * What a target reported about its installed packages, as exposure needs it: the OS (os-release
 * `ID` and `VERSION_ID`), how its versions are ordered, and name → installed version. Debian and
 * Ubuntu advisories name source packages, so the caller also keys the map by source package name
 * where the facts give it (the binary's version is the one to compare).
 */
export interface TargetPackages {
  readonly os: { readonly id: string; readonly versionId: string };
  readonly format: PackageFormat;
  readonly packages: ReadonlyMap<string, string>;
  /** When the facts were reported (ISO 8601); staleness is the caller's to judge. */
  readonly reportedAt: string;
}
