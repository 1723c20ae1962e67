import { Link } from 'react-router';
import type { TargetDto } from '../../../../src/client/api-client.js';
import { TimeAgo } from '../../components/time-ago.js';
import { factsSummary } from './facts-summary.js';
import { LabelChips } from './label-chips.js';
import { OnlineBadge } from './online-state.js';

/** The inventory: one row a target. */
export function TargetTable({ targets }: { targets: readonly TargetDto[] }) {
  return (
    <div className="grid-scroll">
      <table className="list targets">
        <caption className="visually-hidden">Targets</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Transport</th>
            <th scope="col">Address</th>
            <th scope="col">Labels</th>
            <th scope="col">Online</th>
            <th scope="col">Last seen</th>
            <th scope="col">System</th>
            <th scope="col">Facts reported</th>
          </tr>
        </thead>
        <tbody>
          {targets.map((target) => (
            <tr key={target.name}>
              <th scope="row">
                <Link to={`/targets/${encodeURIComponent(target.name)}`}>{target.name}</Link>
              </th>
              <td>{target.transport}</td>
              <td>
                <code className="target-address">{target.address}</code>
              </td>
              <td>
                <LabelChips labels={target.labels} />
              </td>
              <td>
                <OnlineBadge target={target} />
              </td>
              <td>{target.lastSeenAt ? <TimeAgo at={target.lastSeenAt} /> : <span className="muted">{target.transport === 'agent' ? 'never' : 'n/a'}</span>}</td>
              <td>{factsSummary(target.facts) ?? <span className="muted">—</span>}</td>
              <td>{target.factsReportedAt ? <TimeAgo at={target.factsReportedAt} /> : <span className="muted">—</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
