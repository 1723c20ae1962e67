import type { UseQueryResult } from '@tanstack/react-query';
import type { PolicyResultsDto } from '../../../../src/client/api-client.js';
import { QueryView } from '../../components/query-view.js';
import { TimeAgo } from '../../components/time-ago.js';
import { ComplianceCountsCell } from './compliance-counts-cell.js';

/** Per environment (rows): pass / fail / unknown over all policies, then per policy (columns). */
export function ComplianceSummary({ results }: { results: UseQueryResult<PolicyResultsDto> }) {
  return (
    <section aria-labelledby="policies-summary-heading">
      <h2 id="policies-summary-heading">By environment</h2>
      <QueryView query={results} what="policy results">
        {(report) => (
          <>
            <p className="muted policies-note">
              Counted over targets × the policies that concern them. A target is unknown when it has not reported facts in the last 7 days or its facts cannot decide a
              rule: unknown is never counted as passing. Evaluated <TimeAgo at={report.generatedAt} />.
            </p>
            {report.environments.length === 0 ? <p className="empty">No targets in an environment you can see yet.</p> : <SummaryTable report={report} />}
          </>
        )}
      </QueryView>
    </section>
  );
}

function SummaryTable({ report }: { report: PolicyResultsDto }) {
  const policies = [...new Set(report.environments.flatMap((environment) => environment.policies.map((counts) => counts.policy)))].sort();
  return (
    <div className="grid-scroll">
      <table className="list policies-summary">
        <caption className="visually-hidden">Policy compliance by environment</caption>
        <thead>
          <tr>
            <th scope="col">Environment</th>
            <th scope="col">All policies</th>
            {policies.map((policy) => (
              <th scope="col" key={policy}>
                {policy}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {report.environments.map((environment) => (
            <tr key={environment.environment}>
              <th scope="row">{environment.environment}</th>
              <ComplianceCountsCell counts={environment.overall} />
              {policies.map((policy) => (
                <ComplianceCountsCell key={policy} counts={environment.policies.find((counts) => counts.policy === policy)} />
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
