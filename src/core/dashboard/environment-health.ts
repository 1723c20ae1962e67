import type { DeploymentState } from '../deployment/deployment-machine.js';
import type { TaskState } from '../deployment/task-machine.js';

/**
 * How an application fares in one environment, as the dashboard shows it:
 * - `unknown`: nothing was ever deployed there (or it selects no targets);
 * - `degraded`: some of its targets are offline agents, or the latest deployment failed and left
 *   them in doubt (a rollback that finished puts them back on a known release: not degraded);
 * - `healthy`: a release is live on every selected target that can be seen.
 */
export type EnvironmentHealth = 'healthy' | 'degraded' | 'unknown';

export interface EnvironmentFacts {
  readonly liveVersion: string | null;
  readonly latestState: DeploymentState | null;
  readonly targets: number;
  readonly offlineTargets: number;
}

const LEFT_IN_DOUBT: ReadonlySet<DeploymentState> = new Set(['failed', 'rollback_failed']);

export function environmentHealth(facts: EnvironmentFacts): EnvironmentHealth {
  if (facts.liveVersion === null || facts.targets === 0) return 'unknown';
  if (facts.offlineTargets > 0) return 'degraded';
  if (facts.latestState !== null && LEFT_IN_DOUBT.has(facts.latestState)) return 'degraded';
  return 'healthy';
}

const UNFINISHED: ReadonlySet<TaskState> = new Set(['pending', 'running', 'rolling_back']);

/** How far a deployment has got: targets whose task has finished, out of all of them. */
export function taskProgress(states: readonly TaskState[]): { readonly done: number; readonly total: number } {
  return { done: states.filter((state) => !UNFINISHED.has(state)).length, total: states.length };
}
