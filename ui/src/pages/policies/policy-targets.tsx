import { Link } from 'react-router';
import type { PolicyResultRowDto } from '../../../../src/client/api-client.js';
import { TimeAgo } from '../../components/time-ago.js';
import { PolicyState } from './policy-state.js';
import { ReasonList } from './reason-list.js';

/** The targets that fail a policy (with a line per reason), then those whose state is unknown; passing ones only counted. */
export function PolicyTargets({ policy, rows }: { policy: string; rows: PolicyResultRowDto[] }) {
  const failing = rows.filter((row) => row.state === 'fail');
  const unknown = rows.filter((row) => row.state === 'unknown');
  const passing = rows.filter((row) => row.state === 'pass').length;
  const summary = `${failing.length} failing, ${unknown.length} unknown, ${passing} passing`;
  if (failing.length + unknown.length === 0)
    return <p className="policy-targets-summary">{rows.length === 0 ? 'No target concerned.' : `Every concerned target passes (${passing}).`}</p>;
  return (
    <>
      <p className="policy-targets-summary">{summary}</p>
      <div className="grid-scroll">
        <table className="list policy-targets">
          <caption className="visually-hidden">Targets failing or unknown against {policy}</caption>
          <thead>
            <tr>
              <th scope="col">Target</th>
              <th scope="col">State</th>
              <th scope="col">Reasons</th>
              <th scope="col">Environments</th>
              <th scope="col">Since</th>
            </tr>
          </thead>
          <tbody>
            {[...failing, ...unknown].map((row) => (
              <tr key={row.target} data-state={row.state}>
                <th scope="row">
                  <Link to={`/targets/${encodeURIComponent(row.target)}`}>{row.target}</Link>
                </th>
                <td>
                  <PolicyState state={row.state} />
                </td>
                <td>
                  <ReasonList reasons={row.reasons} />
                </td>
                <td>{row.environments.join(', ')}</td>
                <td>
                  <TimeAgo at={row.since} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
