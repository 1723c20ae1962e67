import { useState } from 'react';
import { Link } from 'react-router';
import type { PolicyFlipDto } from '../../../../src/client/api-client.js';
import { QueryView } from '../../components/query-view.js';
import { TimeAgo } from '../../components/time-ago.js';
import { usePolicyHistory } from './policies-queries.js';
import { PolicyState } from './policy-state.js';
import { ReasonList } from './reason-list.js';

/** A policy's flips, newest first, read when first opened. */
export function PolicyHistory({ policy }: { policy: string }) {
  const [opened, setOpened] = useState(false);
  const history = usePolicyHistory(policy, opened);
  return (
    <details className="policy-history" onToggle={(event) => event.currentTarget.open && setOpened(true)}>
      <summary>History of {policy}</summary>
      {opened && (
        <QueryView query={history} what={`the history of ${policy}`}>
          {(flips) => (flips.length === 0 ? <p className="empty">No changes recorded yet.</p> : <FlipTable policy={policy} flips={flips} />)}
        </QueryView>
      )}
    </details>
  );
}

function FlipTable({ policy, flips }: { policy: string; flips: PolicyFlipDto[] }) {
  return (
    <div className="grid-scroll">
      <table className="list policy-flips">
        <caption className="visually-hidden">Changes of state against {policy}, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Target</th>
            <th scope="col">Change</th>
            <th scope="col">When</th>
            <th scope="col">Reasons</th>
          </tr>
        </thead>
        <tbody>
          {flips.map((flip) => (
            <tr key={flip.seq}>
              <th scope="row">
                <Link to={`/targets/${encodeURIComponent(flip.target)}`}>{flip.target}</Link>
              </th>
              <td className="policy-flip-change">
                <PolicyState state={flip.from} /> <span aria-hidden="true">→ </span>
                <span className="visually-hidden">to </span>
                <PolicyState state={flip.to} />
              </td>
              <td>
                <TimeAgo at={flip.at} />
              </td>
              <td>
                <ReasonList reasons={flip.reasons} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
