/** `/deployments`: the recent deployments, newest first, optionally of one application (`?app=`). */
import { useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import type { DeploymentDto } from '../../../../src/client/api-client.js';
import { api } from '../../api/client.js';
import { Page } from '../../components/page.js';
import { QueryView } from '../../components/query-view.js';
import { StateBadge } from '../../components/state-badge.js';
import { TimeAgo } from '../../components/time-ago.js';
import './deployment.css';

const LIMIT = 100;

export function DeploymentsPage() {
  const [params, setParams] = useSearchParams();
  const app = params.get('app') ?? '';
  // Under 'deployments': the activity stream refreshes it whenever a deployment moves.
  const deployments = useQuery({ queryKey: ['deployments', { app, limit: LIMIT }], queryFn: () => api.listDeployments({ app: app || undefined, limit: LIMIT }) });
  const applications = useQuery({ queryKey: ['applications'], queryFn: () => api.listApplications() });
  const setApp = (value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set('app', value);
    else next.delete('app');
    setParams(next, { replace: true });
  };
  const names = (applications.data ?? []).map((application) => application.name);
  if (app && !names.includes(app)) names.push(app);
  return (
    <Page title="Deployments">
      <form className="filters" role="search" aria-label="Filter the deployments" onSubmit={(event) => event.preventDefault()}>
        <label>
          Application
          <select value={app} onChange={(event) => setApp(event.target.value)}>
            <option value="">all applications</option>
            {names.sort().map((name) => (
              <option key={name}>{name}</option>
            ))}
          </select>
        </label>
      </form>
      <QueryView query={deployments} what="the deployments">
        {(list) =>
          list.length === 0 ? (
            <p className="empty">{app ? `No deployment of ${app} yet.` : 'No deployment yet.'}</p>
          ) : (
            <DeploymentTable deployments={list} />
          )
        }
      </QueryView>
    </Page>
  );
}

function DeploymentTable({ deployments }: { deployments: readonly DeploymentDto[] }) {
  return (
    <div className="grid-scroll">
      <table className="deployments-table">
        <caption className="visually-hidden">Recent deployments, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Deployment</th>
            <th scope="col">Application</th>
            <th scope="col">Version</th>
            <th scope="col">Environment</th>
            <th scope="col">Kind</th>
            <th scope="col">State</th>
            <th scope="col">Started</th>
            <th scope="col">Finished</th>
          </tr>
        </thead>
        <tbody>
          {deployments.map((deployment) => (
            <tr key={deployment.id}>
              <th scope="row">
                <Link to={`/deployments/${encodeURIComponent(deployment.id)}`}>
                  <code>{deployment.id}</code>
                </Link>
              </th>
              <td>{deployment.app}</td>
              <td>
                <code>{deployment.version}</code>
              </td>
              <td>{deployment.environment}</td>
              <td>{deployment.kind}</td>
              <td>
                <StateBadge state={deployment.state} />
              </td>
              <td>{deployment.startedAt ? <TimeAgo at={deployment.startedAt} /> : <span className="muted">not yet</span>}</td>
              <td>{deployment.finishedAt ? <TimeAgo at={deployment.finishedAt} /> : <span className="muted">—</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
