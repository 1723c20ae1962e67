import { Link } from 'react-router';
import type { DriftRecordDto } from '../../../../src/client/api-client.js';
import { TimeAgo } from '../../components/time-ago.js';
import { AuthorisationCell, DriftStateBadge } from './drift-badges.js';
import { DriftFiles } from './drift-files.js';

/** Drifted (and unknown) applications on targets of one environment, one row each. */
export function DriftTable({ environment, records }: { environment: string; records: readonly DriftRecordDto[] }) {
  return (
    <div className="grid-scroll">
      <table className="list drift-table">
        <caption className="visually-hidden">Drift in {environment}</caption>
        <thead>
          <tr>
            <th scope="col">Target</th>
            <th scope="col">Application</th>
            <th scope="col">State</th>
            <th scope="col">Files</th>
            <th scope="col">First seen</th>
            <th scope="col">Authorisation</th>
            <th scope="col">Checked</th>
          </tr>
        </thead>
        <tbody>
          {records.map((record) => (
            <tr key={`${record.target} ${record.app}`}>
              <th scope="row">
                <Link to={`/targets/${encodeURIComponent(record.target)}`}>{record.target}</Link>
              </th>
              <td>
                <Link to={`/releases/${encodeURIComponent(record.app)}`}>{record.app}</Link> <code className="muted small">{record.version}</code>
              </td>
              <td>
                <DriftStateBadge state={record.state} />
                {record.reason && <span className="drift-reason">{record.reason}</span>}
              </td>
              <td>
                <DriftFiles record={record} />
              </td>
              <td>{record.firstSeenAt ? <TimeAgo at={record.firstSeenAt} /> : <span className="muted">—</span>}</td>
              <td>
                <AuthorisationCell record={record} />
              </td>
              <td>
                <TimeAgo at={record.checkedAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
