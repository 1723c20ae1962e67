/**
 * The dashboard: every application × environment the caller may see, each with its live release,
 * its latest deployment (and how far a running one has got), its targets and its health, read in
 * one go so that a page of 50 applications is one request.
 */
import { environmentHealth, taskProgress, type EnvironmentHealth } from '../core/dashboard/environment-health.js';
import { isTerminalDeploymentState } from '../core/deployment/deployment-machine.js';
import type { Deployment } from '../core/model.js';
import { labelsMatch, type Labels } from '../core/names.js';
import * as deployments from '../store/deployments.repository.js';
import { listAllApplications } from './applications.js';
import type { AppDeps } from './app-deps.js';
import { listAllTargets } from './targets.js';

export interface DashboardCell {
  readonly environment: string;
  readonly protected: boolean;
  /** The labels that select the environment's targets. */
  readonly selector: Labels;
  readonly liveVersion: string | null;
  readonly liveSince: string | null;
  readonly latest: Deployment | null;
  /** Of the latest deployment while it is not finished: targets done out of all. */
  readonly progress: { readonly done: number; readonly total: number } | null;
  readonly targets: number;
  readonly offlineTargets: number;
  readonly health: EnvironmentHealth;
}

export interface DashboardRow {
  readonly app: string;
  readonly strategy: string;
  readonly cells: readonly DashboardCell[];
}

/** `visible` says which cells the caller may read; rows left without a cell are left out. */
export async function readDashboard(deps: AppDeps, visible: (app: string, environment: string) => boolean): Promise<DashboardRow[]> {
  const [applications, targets, latestDeployments, liveDeployments] = await Promise.all([
    listAllApplications(deps),
    listAllTargets(deps),
    deployments.listLatestPerEnvironment(deps.db, { succeeded: false }),
    deployments.listLatestPerEnvironment(deps.db, { succeeded: true }),
  ]);
  const key = (app: string, environment: string) => `${app}\0${environment}`;
  const latestOf = new Map(latestDeployments.map((deployment) => [key(deployment.app, deployment.environment), deployment]));
  const liveOf = new Map(liveDeployments.map((deployment) => [key(deployment.app, deployment.environment), deployment]));
  const rows = await Promise.all(
    applications.map(async (application): Promise<DashboardRow> => {
      const cells = await Promise.all(
        application.manifest.environments
          .filter((environment) => visible(application.name, environment.name))
          .map(async (environment): Promise<DashboardCell> => {
            const last = latestOf.get(key(application.name, environment.name)) ?? null;
            const live = liveOf.get(key(application.name, environment.name));
            const liveVersion = live?.version ?? null;
            const selected = targets.filter((view) => labelsMatch(environment.targets, view.target.labels));
            const offlineTargets = selected.filter((view) => view.target.transport.type === 'agent' && view.session === null).length;
            return {
              environment: environment.name,
              protected: environment.protected,
              selector: environment.targets,
              liveVersion,
              liveSince: live?.finishedAt ?? null,
              latest: last,
              progress: last && !isTerminalDeploymentState(last.state) ? await progressOf(deps, last) : null,
              targets: selected.length,
              offlineTargets,
              health: environmentHealth({ liveVersion, latestState: last?.state ?? null, targets: selected.length, offlineTargets }),
            };
          }),
      );
      return { app: application.name, strategy: application.manifest.strategy.type, cells };
    }),
  );
  return rows.filter((row) => row.cells.length > 0);
}

async function progressOf(deps: AppDeps, deployment: Deployment): Promise<{ done: number; total: number }> {
  return taskProgress((await deployments.listTasks(deps.db, deployment.id)).map((task) => task.state));
}
