import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../../api/client.js';
import { Page } from '../../components/page.js';
import { QueryView } from '../../components/query-view.js';
import { environmentsInLifecycleOrder } from './lifecycle.js';

/** Every application, each a way into its releases. */
export function ApplicationList() {
  const applications = useQuery({ queryKey: ['applications'], queryFn: () => api.listApplications() });
  return (
    <Page title="Releases">
      <QueryView query={applications} what="the applications">
        {(list) =>
          list.length === 0 ? (
            <p className="empty">
              No applications yet. Apply a manifest with <code>gantry apply</code> to see one here.
            </p>
          ) : (
            <div className="grid-scroll">
              <table className="list">
                <caption className="visually-hidden">Applications</caption>
                <thead>
                  <tr>
                    <th scope="col">Application</th>
                    <th scope="col">Strategy</th>
                    <th scope="col">Environments</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((application) => (
                    <tr key={application.name}>
                      <th scope="row">
                        <Link to={`/releases/${encodeURIComponent(application.name)}`}>{application.name}</Link>
                      </th>
                      <td>{application.strategy}</td>
                      <td>
                        {environmentsInLifecycleOrder(application)
                          .map((environment) => (environment.protected ? `${environment.name} (protected)` : environment.name))
                          .join(', ')}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </QueryView>
    </Page>
  );
}
