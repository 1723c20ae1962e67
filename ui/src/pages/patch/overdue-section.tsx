import type { UseQueryResult } from '@tanstack/react-query';
import { Link } from 'react-router';
import type { ComplianceDto } from '../../../../src/client/api-client.js';
import { QueryView } from '../../components/query-view.js';
import { DateText, ExposureStateBadge, SeverityBadge } from './patch-badges.js';

type Overdue = ComplianceDto['overdue'][number];

const mostOverdueFirst = (a: Overdue, b: Overdue) => b.daysOverdue - a.daysOverdue;

/** Target × advisory pairs still affected after their severity's deadline, most overdue first. */
export function OverdueSection({ compliance }: { compliance: UseQueryResult<ComplianceDto> }) {
  return (
    <section aria-labelledby="patch-overdue-heading">
      <h2 id="patch-overdue-heading">Past the deadline</h2>
      <QueryView query={compliance} what="overdue patches">
        {(report) => (report.overdue.length === 0 ? <p className="empty">Nothing is past its deadline.</p> : <OverdueTable overdue={[...report.overdue].sort(mostOverdueFirst)} />)}
      </QueryView>
    </section>
  );
}

function OverdueTable({ overdue }: { overdue: readonly Overdue[] }) {
  return (
    <>
      <p className="muted patch-count">
        {overdue.length} target × advisory pair{overdue.length === 1 ? '' : 's'} past the deadline.
      </p>
      <div className="grid-scroll">
        <table className="list patch-overdue">
          <caption className="visually-hidden">Past the deadline, most overdue first</caption>
          <thead>
            <tr>
              <th scope="col">Environment</th>
              <th scope="col">Target</th>
              <th scope="col">Advisory</th>
              <th scope="col">Severity</th>
              <th scope="col">State</th>
              <th scope="col">Due</th>
              <th scope="col">Days overdue</th>
            </tr>
          </thead>
          <tbody>
            {overdue.map((row) => (
              <tr key={`${row.environment}\n${row.target}\n${row.advisory}`}>
                <td>{row.environment}</td>
                <th scope="row">
                  <Link to={`/targets/${encodeURIComponent(row.target)}`}>{row.target}</Link>
                </th>
                <td>
                  <code>{row.advisory}</code>
                </td>
                <td>
                  <SeverityBadge severity={row.severity} />
                </td>
                <td>
                  <ExposureStateBadge state={row.state} />
                </td>
                <td>
                  <DateText at={row.dueAt} />
                </td>
                <td className="patch-days-overdue">
                  {row.daysOverdue} day{row.daysOverdue === 1 ? '' : 's'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
