import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import type { ApplicationDto, DeploymentDto, TargetDto } from '../../../../src/client/api-client.js';
import { api } from '../../api/client.js';
import { QueryView } from '../../components/query-view.js';
import { StateBadge } from '../../components/state-badge.js';
import { TimeAgo } from '../../components/time-ago.js';
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
            return (
              <div className="grid-scroll">
                <table className="list">
                  <caption className="visually-hidden">Recent deployments to this target</caption>
                  <thead>
                    <tr>
                      <th scope="col">Deployment</th>
                      <th scope="col">Application</th>
                      <th scope="col">Release</th>
                      <th scope="col">Environment</th>
                      <th scope="col">State</th>
                      <th scope="col">Created</th>
                    </tr>
                  </thead>
                  <tbody>
                    {touching.map((deployment) => (
                      <tr key={deployment.id}>
                        <th scope="row">
                          <Link to={`/deployments/${encodeURIComponent(deployment.id)}`}>{deployment.id}</Link>
                        </th>
                        <td>
                          <Link to={`/releases/${encodeURIComponent(deployment.app)}`}>{deployment.app}</Link>
                        </td>
                        <td>
                          <code>{deployment.version}</code>
                          {deployment.kind === 'rollback' && <span className="muted"> (rollback)</span>}
                        </td>
                        <td>{deployment.environment}</td>
                        <td>
                          <StateBadge state={deployment.state} />
                        </td>
                        <td>
                          <TimeAgo at={deployment.createdAt} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            );
          }}
        </QueryView>
      )}
    </QueryView>
  );
}
