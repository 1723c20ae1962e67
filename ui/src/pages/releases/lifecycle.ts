/**
 * The lifecycle rule the server applies before it queues a deployment (checkLifecycle in
 * src/app/deployments.ts): an environment in the lifecycle takes a release only after that
 * release succeeded in the environment before it.
 */
import type { ApplicationDto, DeploymentDto, StatusDto } from '../../../../src/client/api-client.js';

type Environment = ApplicationDto['environments'][number];

/** The environment the release must succeed in first, or null when it may go to `environment` now. */
export function lifecycleBlock(lifecycle: readonly string[], environment: string, succeededIn: ReadonlySet<string>): string | null {
  const position = lifecycle.indexOf(environment);
  if (position <= 0) return null;
  const previous = lifecycle[position - 1]!;
  return succeededIn.has(previous) ? null : previous;
}

/** For each version, the environments it succeeded in: every succeeded deployment, and what is live now. */
export function successesByVersion(deployments: readonly DeploymentDto[], status: StatusDto): Map<string, Set<string>> {
  const successes = new Map<string, Set<string>>();
  const add = (version: string, environment: string) => {
    const environments = successes.get(version) ?? new Set<string>();
    environments.add(environment);
    successes.set(version, environments);
  };
  for (const deployment of deployments) if (deployment.state === 'succeeded') add(deployment.version, deployment.environment);
  for (const entry of status.environments) if (entry.liveVersion !== null) add(entry.liveVersion, entry.environment);
  return successes;
}

/** The application's environments, those in the lifecycle first and in its order, then the rest as the manifest lists them. */
export function environmentsInLifecycleOrder(application: Pick<ApplicationDto, 'environments' | 'lifecycle'>): Environment[] {
  const rank = (environment: Environment) => {
    const position = application.lifecycle.indexOf(environment.name);
    return position === -1 ? application.lifecycle.length : position;
  };
  return application.environments
    .map((environment, index) => ({ environment, index }))
    .sort((a, b) => rank(a.environment) - rank(b.environment) || a.index - b.index)
    .map(({ environment }) => environment);
}
