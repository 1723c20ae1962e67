/**
 * An environment's deployment tier (GitLab's `deployment_tier`): what DORA metrics count as
 * production, staging and so on. Declared in the manifest, or read from how the environment is
 * set up: a protected environment is production; otherwise the name is read the way GitLab
 * guesses it, so `prod-eu` and `live` are production and `uat` is staging without saying so.
 */
export const ENVIRONMENT_TIERS = ['production', 'staging', 'testing', 'development', 'other'] as const;
export type EnvironmentTier = (typeof ENVIRONMENT_TIERS)[number];

/**
 * Words in an environment's name and the tier each stands for, checked in GitLab's order
 * (development, testing, staging, production), so `pre-production` is staging, not production.
 */
const NAME_WORDS: readonly (readonly [EnvironmentTier, readonly string[]])[] = [
  ['development', ['dev', 'development', 'review']],
  ['testing', ['test', 'testing', 'tests', 'qa', 'sandbox']],
  ['staging', ['staging', 'stage', 'pre', 'preprod', 'uat', 'model']],
  ['production', ['production', 'prod', 'live']],
];

/** The tier an environment name suggests: one of its words (split at anything but a letter: `prod-eu`, `qa2`) names it. */
export function tierFromName(name: string): EnvironmentTier {
  const words = name.toLowerCase().split(/[^a-z]+/).filter((word) => word.length > 0);
  for (const [tier, names] of NAME_WORDS) if (words.some((word) => names.includes(word))) return tier;
  return 'other';
}

/** The environment's tier: as declared; else production when protected; else guessed from its name. */
export function tierOf(environment: { readonly name: string; readonly tier?: EnvironmentTier | undefined; readonly protected?: boolean | undefined }): EnvironmentTier {
  if (environment.tier !== undefined) return environment.tier;
  if (environment.protected) return 'production';
  return tierFromName(environment.name);
}
