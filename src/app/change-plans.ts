import type { ComputedPlan } from '../core/change/plan.js';
import { GantryError } from '../core/errors.js';
import { parseManifest } from '../core/manifest/parse-manifest.js';
import type { EnvironmentDefinition, HealthCheck, Manifest } from '../core/manifest/schema.js';
import type { Release, Target } from '../core/model.js';
import { labelsMatch } from '../core/names.js';
import { listSucceededVersions } from '../store/deployments.repository.js';
import { listTargets } from '../store/targets.repository.js';
import type { AppDeps } from './app-deps.js';
import { requireApplication } from './applications.js';
import { requireRelease } from './releases.js';

/** A release going to an environment, with what the plan computes from them. */
export interface PlannedRelease {
  readonly release: Release;
  readonly manifest: Manifest;
  readonly environment: EnvironmentDefinition;
  readonly targets: readonly Target[];
  readonly computed: ComputedPlan;
}

function describeHealthCheck(check: HealthCheck): string {
  if ('command' in check) return `command: ${check.command}`;
  if ('http' in check) return `HTTP ${check.http.url} answers ${check.http.expect}`;
  return `TCP ${check.tcp.host}:${check.tcp.port} accepts connections`;
}

function describeRollback(manifest: Manifest, previousVersion: string | null): string {
  const failure = 'onFailure' in manifest.strategy ? manifest.strategy.onFailure : 'rollback';
  const automatic =
    failure === 'rollback'
      ? 'a failed batch or analysis rolls every switched target back automatically'
      : 'a failed batch halts the rollout (onFailure: halt); roll back with gantry rollback';
  return previousVersion === null
    ? `nothing is live yet: ${automatic}, which leaves targets without this release`
    : `${automatic} to ${previousVersion}; after success, gantry rollback redeploys ${previousVersion}`;
}

/**
 * The release, its environment and the computed part of a plan: the targets the deployment
 * will touch (those the environment selects now), the strategy, the rollback plan (the live
 * release) and the test plan (health checks and analyses), all from the release's manifest.
 */
export async function planRelease(deps: AppDeps, app: string, version: string, environmentName: string): Promise<PlannedRelease> {
  await requireApplication(deps, app);
  const release = await requireRelease(deps, app, version);
  const manifest = parseManifest(release.manifestSource, `release ${app} ${version}`);
  const environment = manifest.environments.find((candidate) => candidate.name === environmentName);
  if (!environment) {
    throw new GantryError('ENVIRONMENT_NOT_FOUND', `application ${app} has no environment ${environmentName} (it has ${manifest.environments.map((e) => e.name).join(', ')})`, { where: 'environment' });
  }
  const targets = (await listTargets(deps.db)).filter((target) => labelsMatch(environment.targets, target.labels));
  const [live] = await listSucceededVersions(deps.db, app, environmentName);
  const previousVersion = live?.version ?? null;
  const strategy = manifest.strategy;
  const analyses = [
    ...(strategy.type === 'canary' ? strategy.steps.flatMap((step) => ('analysis' in step && step.analysis ? [`canary step: ${step.analysis.template}`] : [])) : []),
    ...(strategy.type === 'canary' && strategy.analysis ? [`background: ${strategy.analysis.template}`] : []),
    ...(strategy.type === 'blueGreen' && strategy.previewAnalysis ? [`preview: ${strategy.previewAnalysis.template}`] : []),
  ];
  const computed: ComputedPlan = {
    app,
    version,
    releaseDigest: release.digest,
    environment: environmentName,
    targets: targets.map((target) => target.name),
    strategy: strategy.type,
    rollback: { previousVersion, how: describeRollback(manifest, previousVersion) },
    tests: { healthChecks: manifest.health.map(describeHealthCheck), analyses },
  };
  return { release, manifest, environment, targets, computed };
}
