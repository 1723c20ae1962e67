import { GantryError } from '../core/errors.js';
import { resolveHealthChecks, type InvalidCheckField, type ResolvedHealthCheck } from '../core/health/resolve-health-checks.js';
import type { Manifest } from '../core/manifest/schema.js';
import type { Target } from '../core/model.js';
import { resolveVariables, type VariableValues } from '../core/variables/resolve-variables.js';
import { missingVariablesError, renderTemplate, type MissingVariable } from '../core/variables/substitute.js';
import type { ConfigFile } from './ports.js';

/** What one target needs from a release's manifest: its variables, rendered config, checks. */
export interface TargetWork {
  readonly target: Target;
  readonly variables: VariableValues;
  readonly configFiles: readonly ConfigFile[];
  readonly healthChecks: readonly ResolvedHealthCheck[];
}

/**
 * Resolves a manifest for each target. Any missing variable or unusable check value anywhere
 * fails the whole deployment before a single target is touched.
 */
export function resolveTargetWork(manifest: Manifest, environment: string, targets: readonly Target[], templates: ReadonlyMap<string, string>): Map<string, TargetWork> {
  const work = new Map<string, TargetWork>();
  for (const target of targets) {
    const variables = resolveVariables(manifest.variables, { environment, target: target.name });
    const missing: MissingVariable[] = [];
    const invalid: InvalidCheckField[] = [];
    const configFiles = manifest.config.map((entry) => ({
      path: entry.path,
      content: renderTemplate(templates.get(entry.template) ?? '', variables, entry.template, missing),
    }));
    const healthChecks = resolveHealthChecks(manifest.health, variables, missing, invalid);
    if (missing.length > 0) throw missingVariablesError(missing, { environment, target: target.name });
    if (invalid.length > 0) {
      const first = invalid[0]!;
      throw new GantryError('MANIFEST_INVALID', `${first.where}: ${first.message} (target ${target.name}, environment ${environment})`, { where: first.where });
    }
    work.set(target.name, { target, variables, configFiles, healthChecks });
  }
  return work;
}
