import { GantryError } from '../core/errors.js';
import { resolveHealthChecks, type InvalidCheckField, type ResolvedHealthCheck } from '../core/health/resolve-health-checks.js';
import type { Manifest, Slot } from '../core/manifest/schema.js';
import type { Target } from '../core/model.js';
import { upstreamAddressProblem } from '../core/traffic/nginx-upstream.js';
import { resolveVariables, type VariableValues } from '../core/variables/resolve-variables.js';
import { interpolateField, missingVariablesError, renderTemplate, type MissingVariable } from '../core/variables/substitute.js';
import type { ConfigFile } from './ports.js';

/** What one target needs from a release's manifest: its variables, rendered config, checks. */
export interface TargetWork {
  readonly target: Target;
  readonly variables: VariableValues;
  readonly configFiles: readonly ConfigFile[];
  readonly healthChecks: readonly ResolvedHealthCheck[];
  /** The target's address as the environment's load balancer sees it (when it has one). */
  readonly trafficServer: string | null;
  /** Blue-green: the slot these values are for (its variables override the target's). */
  readonly slot: Slot | null;
}

/**
 * Resolves a manifest for each target. Any missing variable or unusable check value anywhere
 * fails the whole deployment before a single target is touched.
 */
export function resolveTargetWork(
  manifest: Manifest,
  environment: string,
  targets: readonly Target[],
  templates: ReadonlyMap<string, string>,
  slot: Slot | null = null,
  secrets: ReadonlyMap<string, string> = new Map(),
): Map<string, TargetWork> {
  const work = new Map<string, TargetWork>();
  const environmentIndex = manifest.environments.findIndex((candidate) => candidate.name === environment);
  const traffic = manifest.environments[environmentIndex]?.traffic;
  const serverField = `environments[${environmentIndex}].traffic.server`;
  const slotVariables = slot !== null && manifest.strategy.type === 'blueGreen' ? manifest.strategy.slots[slot] : {};
  for (const target of targets) {
    const missing: MissingVariable[] = [];
    // A secret is a variable whose value is kept encrypted; it wins over a manifest variable of its name.
    const own = { ...resolveVariables(manifest.variables, { environment, target: target.name }), ...Object.fromEntries(secrets) };
    const overrides = Object.entries(slotVariables).map(([name, value]) => [name, interpolateField(value, own, `strategy.slots.${slot}.${name}`, missing)]);
    const variables = { ...own, ...Object.fromEntries(overrides) };
    const invalid: InvalidCheckField[] = [];
    const configFiles = manifest.config.map((entry) => ({
      path: entry.path,
      content: renderTemplate(templates.get(entry.template) ?? '', variables, entry.template, missing),
    }));
    const healthChecks = resolveHealthChecks(manifest.health, variables, missing, invalid);
    const trafficServer = traffic ? interpolateField(traffic.server, variables, serverField, missing) : null;
    const addressProblem = trafficServer === null ? null : upstreamAddressProblem(trafficServer);
    if (addressProblem !== null) invalid.push({ where: serverField, message: addressProblem });
    if (missing.length > 0) throw missingVariablesError(missing, { environment, target: target.name });
    if (invalid.length > 0) {
      const first = invalid[0]!;
      throw new GantryError('MANIFEST_INVALID', `${first.where}: ${first.message} (target ${target.name}, environment ${environment})`, { where: first.where });
    }
    work.set(target.name, { target, variables, configFiles, healthChecks, trafficServer, slot });
  }
  return work;
}
