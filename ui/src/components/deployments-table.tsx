import { Link } from 'react-router';
import type { DeploymentDto } from '../../../src/client/api-client.js';
import { StateBadge } from './state-badge.js';
import { TimeAgo } from './time-ago.js';

interface DeploymentsTableProps {
  readonly deployments: readonly DeploymentDto[];
  /** The table's caption, for screen readers (it is visually hidden). */
  readonly caption: string;
  /** Whether each application's name links to its releases (`/releases/:app`). */
  readonly linkApps?: boolean;
  /**
   * For a section of another page: a rollback said beside its release rather than a "Kind" column,
   * and when each deployment was created rather than when it started and finished.
   */
  readonly compact?: boolean;
}

/** Deployments, one row each, in the order given; each one's id links to its page. */
export function DeploymentsTable({ deployments, caption, linkApps = false, compact = false }: DeploymentsTableProps) {
  return (
    <div className="grid-scroll">
      <table className={compact ? 'list' : 'deployments-table'}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Deployment</th>
            <th scope="col">Application</th>
            <th scope="col">{compact ? 'Release' : 'Version'}</th>
            <th scope="col">Environment</th>
            {!compact && <th scope="col">Kind</th>}
            <th scope="col">State</th>
            {compact ? (
              <th scope="col">Created</th>
            ) : (
              <>
                <th scope="col">Started</th>
                <th scope="col">Finished</th>
              </>
            )}
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
              <td>{linkApps ? <Link to={`/releases/${encodeURIComponent(deployment.app)}`}>{deployment.app}</Link> : deployment.app}</td>
              <td>
                <code>{deployment.version}</code>
                {compact && deployment.kind !== 'deploy' && <span className="muted"> ({deployment.kind})</span>}
              </td>
              <td>{deployment.environment}</td>
              {!compact && <td>{deployment.kind}</td>}
              <td>
                <StateBadge state={deployment.state} />
              </td>
              {compact ? (
                <td>
                  <TimeAgo at={deployment.createdAt} />
                </td>
              ) : (
                <>
                  <td>{deployment.startedAt ? <TimeAgo at={deployment.startedAt} /> : <span className="muted">not yet</span>}</td>
                  <td>{deployment.finishedAt ? <TimeAgo at={deployment.finishedAt} /> : <span className="muted">—</span>}</td>
                </>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
