import { Link } from 'react-router';
import type { ApplicationDto, StatusDto } from '../../../../src/client/api-client.js';
import { StateBadge } from '../../components/state-badge.js';
import { TimeAgo } from '../../components/time-ago.js';

type Environment = ApplicationDto['environments'][number];

/** Each environment, in lifecycle order: what is live there since when, and its latest deployment. */
export function EnvironmentStatus({ environments, status }: { environments: readonly Environment[]; status: StatusDto }) {
  const statusOf = (name: string) => status.environments.find((entry) => entry.environment === name);
  return (
    <div className="grid-scroll">
      <table className="list">
        <caption className="visually-hidden">Environments in lifecycle order</caption>
        <thead>
          <tr>
            <th scope="col">Environment</th>
            <th scope="col">Live release</th>
            <th scope="col">Live since</th>
            <th scope="col">Latest deployment</th>
          </tr>
        </thead>
        <tbody>
          {environments.map((environment) => {
            const entry = statusOf(environment.name);
            return (
              <tr key={environment.name}>
                <th scope="row">
                  {environment.name}
                  {environment.protected && <span className="badge badge-warning release-protected">protected</span>}
                </th>
                <td>{entry?.liveVersion ? <code>{entry.liveVersion}</code> : <span className="muted">nothing yet</span>}</td>
                <td className="release-since">{entry?.liveSince ? <TimeAgo at={entry.liveSince} /> : <span className="muted">—</span>}</td>
                <td>
                  {entry?.latest ? (
                    <Link to={`/deployments/${entry.latest.id}`} className="release-latest">
                      <code>{entry.latest.version}</code> <StateBadge state={entry.latest.state} />
                    </Link>
                  ) : (
                    <span className="muted">none</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
