import type { UseQueryResult } from '@tanstack/react-query';
import type { ComplianceDto } from '../../../../src/client/api-client.js';
import { QueryView } from '../../components/query-view.js';
import { TimeAgo } from '../../components/time-ago.js';
import { ComplianceCell } from './compliance-cell.js';
import { SEVERITIES, SEVERITY_LABELS, slaText } from './patch-words.js';

/** Compliance per environment (rows) and severity (columns, those with targets), with each severity's deadline. */
export function ComplianceSection({ compliance }: { compliance: UseQueryResult<ComplianceDto> }) {
  return (
    <section aria-labelledby="patch-compliance-heading">
      <h2 id="patch-compliance-heading">By environment and severity</h2>
      <QueryView query={compliance} what="patch compliance">
        {(report) => (
          <>
            <p className="muted patch-note">
              A target is compliant for a severity when every advisory of that severity is fixed on it or does not concern it, and unknown when it has not reported
              facts in the last 7 days: unknown is never counted as compliant. Computed <TimeAgo at={report.generatedAt} />.
            </p>
            <SlaList sla={report.sla} />
            {report.environments.length === 0 ? (
              <p className="empty">Nothing to measure yet: compliance needs imported advisories and targets in an environment.</p>
            ) : (
              <ComplianceTable report={report} />
            )}
          </>
        )}
      </QueryView>
    </section>
  );
}

function SlaList({ sla }: { sla: ComplianceDto['sla'] }) {
  return (
    <div className="patch-sla">
      <span id="patch-sla-heading">Deadlines (days from publication, or from when a target was first seen affected):</span>
      <ul aria-labelledby="patch-sla-heading">
        {SEVERITIES.map((severity) => (
          <li key={severity}>
            {SEVERITY_LABELS[severity]}: <strong>{slaText(sla[severity])}</strong>
          </li>
        ))}
      </ul>
    </div>
  );
}

function ComplianceTable({ report }: { report: ComplianceDto }) {
  const severities = SEVERITIES.filter((severity) => report.environments.some((environment) => environment.severities[severity].total > 0));
  return (
    <div className="grid-scroll">
      <table className="list compliance">
        <caption className="visually-hidden">Patch compliance by environment and severity</caption>
        <thead>
          <tr>
            <th scope="col">Environment</th>
            {severities.map((severity) => (
              <th scope="col" key={severity}>
                {SEVERITY_LABELS[severity]}
                <span className="compliance-sla">deadline: {slaText(report.sla[severity])}</span>
              </th>
            ))}
            <th scope="col">All severities</th>
          </tr>
        </thead>
        <tbody>
          {report.environments.map((environment) => (
            <tr key={environment.environment}>
              <th scope="row">{environment.environment}</th>
              {severities.map((severity) => (
                <ComplianceCell key={severity} counts={environment.severities[severity]} />
              ))}
              <ComplianceCell counts={environment.overall} />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
