/**
 * Release evidence (issue 11): what the CI system that built a release attaches to it, and the
 * summary Gantry keeps of each file. Summaries are shaped for gates to read later
 * (`tests.failures == 0`, no SARIF result of level error, a reviewer who is not the author,
 * coverage ≥ N) without parsing the file again.
 */
export const EVIDENCE_TYPES = ['junit', 'sarif', 'review', 'coverage', 'attestation'] as const;
export type EvidenceType = (typeof EVIDENCE_TYPES)[number];

/** Evidence files are read whole and kept in the store: larger ones are refused. */
export const MAX_EVIDENCE_BYTES = 5 * 1024 * 1024;
/** Failing test names kept in a JUnit summary; the count is always exact. */
export const MAX_FAILING_CASES = 50;

export interface FailingCase {
  readonly suite: string;
  readonly name: string;
  readonly outcome: 'failure' | 'error';
}

export interface JunitSummary {
  readonly type: 'junit';
  readonly tests: number;
  readonly failures: number;
  readonly errors: number;
  readonly skipped: number;
  /** Seconds, summed over the suites; null when no suite says. */
  readonly timeSeconds: number | null;
  readonly suites: number;
  readonly failingCases: readonly FailingCase[];
  /** More failing cases than listed in `failingCases`. */
  readonly failingCasesTruncated: boolean;
}

export const SARIF_LEVELS = ['error', 'warning', 'note', 'none'] as const;
export type SarifLevel = (typeof SARIF_LEVELS)[number];
export type SarifLevelCounts = Record<SarifLevel, number>;

export interface SarifRuleCount {
  readonly tool: string;
  readonly rule: string;
  readonly level: SarifLevel;
  readonly count: number;
  /** The rule's `properties["security-severity"]` (CVSS-like 0–10), when given. */
  readonly securitySeverity: number | null;
}

export interface SarifSummary {
  readonly type: 'sarif';
  readonly results: number;
  readonly levels: SarifLevelCounts;
  readonly tools: readonly { readonly tool: string; readonly levels: SarifLevelCounts }[];
  readonly rules: readonly SarifRuleCount[];
  /** Highest security-severity among the results' rules; null when none says. */
  readonly maxSecuritySeverity: number | null;
}

export interface ReviewSummary {
  readonly type: 'review';
  readonly author: string;
  readonly reviewers: readonly { readonly name: string; readonly approved: boolean }[];
  /** Approving reviewers other than the author: what "reviewed by someone else" means. */
  readonly independentApprovals: number;
  readonly commits: { readonly from: string; readonly to: string };
}

export interface CoverageSummary {
  readonly type: 'coverage';
  /** Line coverage, percent (0–100). */
  readonly lines: number;
}

export interface AttestationSummary {
  readonly type: 'attestation';
}

export type EvidenceSummary = JunitSummary | SarifSummary | ReviewSummary | CoverageSummary | AttestationSummary;

/** Every summary also records the file it came from. */
export interface EvidenceFileFacts {
  readonly sha256: string;
  readonly sizeBytes: number;
}
