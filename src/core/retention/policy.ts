/**
 * What retention keeps (issue 10). One set of rules for the installation, and per application
 * overrides of some of them. Live releases, rollback releases and releases an unfinished
 * deployment uses are kept whatever the rules say (see plan.ts).
 */
export interface RetentionRules {
  /** Per application and environment: the last N releases that succeeded there. */
  readonly keepReleases: number;
  /** Releases created, or deployed anywhere, within this many days. */
  readonly keepReleaseDays: number;
  /** Logs of deployments created within this many days... */
  readonly keepLogDays: number;
  /** ...or among the last N deployments of their application and environment, whichever keeps more. */
  readonly keepLogDeployments: number;
}

export const RETENTION_RULE_NAMES = ['keepReleases', 'keepReleaseDays', 'keepLogDays', 'keepLogDeployments'] as const satisfies readonly (keyof RetentionRules)[];

/** The rules used until someone sets them: generous, so that turning retention on loses little. */
export const DEFAULT_RETENTION_RULES: RetentionRules = { keepReleases: 10, keepReleaseDays: 30, keepLogDays: 90, keepLogDeployments: 20 };

/** Bounds of every rule (0 days: age protects nothing; at least one release per environment is always kept as live anyway). */
export const RETENTION_RULE_LIMITS: Readonly<Record<keyof RetentionRules, { readonly min: number; readonly max: number }>> = {
  keepReleases: { min: 1, max: 10_000 },
  keepReleaseDays: { min: 0, max: 36_500 },
  keepLogDays: { min: 0, max: 36_500 },
  keepLogDeployments: { min: 0, max: 100_000 },
};

export interface RetentionPolicy {
  readonly installation: RetentionRules;
  /** Application name → the rules it sets differently. */
  readonly overrides: Readonly<Record<string, Partial<RetentionRules>>>;
}

export function rulesFor(policy: RetentionPolicy, app: string): RetentionRules {
  const override = Object.hasOwn(policy.overrides, app) ? policy.overrides[app] : undefined;
  return { ...policy.installation, ...override };
}
