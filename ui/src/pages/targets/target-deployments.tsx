import { useQuery } from '@tanstack/react-query';
import type { ApplicationDto, DeploymentDto, TargetDto } from '../../../../src/client/api-client.js';
import { api } from '../../api/client.js';
import { DeploymentsTable } from '../../components/deployments-table.js';
import { QueryView } from '../../components/query-view.js';
import { labelsMatch } from '../../../../src/client/labels.js';

const RECENT = 100;

/** The deployments whose environment selects the target (by the application's manifest as it is now). */
export function deploymentsTouching(target: Pick<TargetDto, 'labels'>, deployments: readonly DeploymentDto[], applications: readonly ApplicationDto[]): DeploymentDto[] {
  return deployments.filter((deployment) => {
    const environment = applications.find((application) => application.name === deployment.app)?.environments.find((candidate) => candidate.name === deployment.environment);
    return environment !== undefined && labelsMatch(environment.targets, target.labels);
  });
}

/** Recent deployments that reached this target. */
export function TargetDeployments({ target }: { target: TargetDto }) {
  // Under 'deployments', so the activity stream keeps it current.
  const deployments = useQuery({ queryKey: ['deployments', { limit: RECENT }], queryFn: () => api.listDeployments({ limit: RECENT }) });
  const applications = useQuery({ queryKey: ['applications'], queryFn: () => api.listApplications() });
  return (
    <QueryView query={applications} what="the applications">
      {(apps) => (
        <QueryView query={deployments} what="the deployments">
          {(list) => {
            const touching = deploymentsTouching(target, list, apps);
            if (touching.length === 0) return <p className="muted">None of the last {RECENT} deployments selected this target.</p>;
            return <DeploymentsTable deployments={touching} caption="Recent deployments to this target" linkApps compact />;
          }}
        </QueryView>
      )}
    </QueryView>
  );
}
