import { Link } from 'react-router';
import type { CiDto } from '../../../../src/client/api-client.js';
import { CLASS_LABELS, ciPath, dayInWords, KIND_LABELS, LIFECYCLE_LABELS } from './inventory-words.js';

const none = <span className="muted">—</span>;

/** Configuration items, one row each; the name links to the CI's page. */
export function CiTable({ cis }: { cis: readonly CiDto[] }) {
  return (
    <div className="grid-scroll">
      <table className="list inventory-cis">
        <caption className="visually-hidden">Configuration items</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Kind</th>
            <th scope="col">Class</th>
            <th scope="col">Owner</th>
            <th scope="col">Lifecycle</th>
            <th scope="col">Location</th>
            <th scope="col">Model</th>
          </tr>
        </thead>
        <tbody>
          {cis.map((ci) => (
            <CiRow key={ci.ref} ci={ci} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function CiRow({ ci }: { ci: CiDto }) {
  const manual = ci.manual;
  const entered = manual?.lifecycleDates[manual.lifecycle];
  return (
    <tr>
      <th scope="row">
        <Link to={ciPath(ci.ref)}>{ci.name}</Link>
      </th>
      <td>
        {KIND_LABELS[ci.kind]}
        {ci.source === 'discovered' && <span className="muted small"> (discovered)</span>}
      </td>
      <td>{manual ? CLASS_LABELS[manual.class] : none}</td>
      <td>{manual?.owner ?? none}</td>
      <td>
        {manual ? (
          <>
            {LIFECYCLE_LABELS[manual.lifecycle]}
            {entered && <span className="muted small inventory-since"> since {dayInWords(entered)}</span>}
          </>
        ) : (
          none
        )}
      </td>
      <td>{manual?.location ?? none}</td>
      <td>{manual?.model ?? none}</td>
    </tr>
  );
}
