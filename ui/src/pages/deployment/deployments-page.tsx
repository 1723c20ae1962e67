/** `/deployments`: the recent deployments, newest first, optionally of one application (`?app=`). */
import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { api } from '../../api/client.js';
import { DeploymentsTable } from '../../components/deployments-table.js';
import { Page } from '../../components/page.js';
import { QueryView } from '../../components/query-view.js';
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
            <DeploymentsTable deployments={list} caption="Recent deployments, newest first" />
          )
        }
      </QueryView>
    </Page>
  );
}
