import { useId, useState } from 'react';
import { Link } from 'react-router';
import type { DriftRecordDto, DriftRemediationDto } from '../../../../src/client/api-client.js';
import { api } from '../../api/client.js';
import { useCan } from '../../api/session.js';
import { ConfirmButton } from '../../components/confirm-button.js';
import { DriftTable } from './drift-table.js';

const count = (records: readonly DriftRecordDto[], state: DriftRecordDto['state']) => records.filter((record) => record.state === state).length;

/** One environment: how its checks came out, what drifted, and (for people who may redeploy every drifted application) Remediate. */
export function EnvironmentDrift({ environment, records }: { environment: string; records: readonly DriftRecordDto[] }) {
  const can = useCan();
  const [started, setStarted] = useState<DriftRemediationDto | null>(null);
  const drifted = records.filter((record) => record.state === 'drifted');
  const shown = records.filter((record) => record.state !== 'in_sync');
  const unauthorised = drifted.filter((record) => record.unauthorised).length;
  const mayRemediate = drifted.length > 0 && drifted.every((record) => can('deploy', { app: record.app, environment }));
  const headingId = useId();
  const apps = [...new Set(drifted.map((record) => record.app))];
  return (
    <section aria-labelledby={headingId} className="drift-environment">
      <div className="drift-environment-header">
        <h2 id={headingId}>{environment}</h2>
        <p className="drift-counts">
          {drifted.length} drifted{unauthorised > 0 && <strong className="drift-unauthorised-count"> ({unauthorised} unauthorised)</strong>}, {count(records, 'unknown')} unknown,{' '}
          {count(records, 'in_sync')} in sync
        </p>
        {mayRemediate && (
          <ConfirmButton
            label="Remediate"
            tone="danger"
            onConfirm={async () => setStarted(await api.remediateDrift({ environment }))}
            question={
              <p>
                The live release of {apps.join(', ')} is deployed again to {environment}, unpacked afresh over the edited files on{' '}
                {[...new Set(drifted.map((record) => record.target))].join(', ')}. In a protected environment this needs an authorised change in its window.
              </p>
            }
          />
        )}
      </div>
      {started && <RemediationStarted remediation={started} />}
      {shown.length === 0 ? <p className="muted">Every checked target is in sync.</p> : <DriftTable environment={environment} records={shown} />}
    </section>
  );
}

function RemediationStarted({ remediation }: { remediation: DriftRemediationDto }) {
  if (remediation.deployments.length === 0)
    return (
      <p role="status" className="muted">
        Nothing had drifted as of the last check: no redeploy started.
      </p>
    );
  return (
    <div role="status" className="drift-remediation">
      Redeploying:{' '}
      <ul>
        {remediation.deployments.map(({ deployment }) => (
          <li key={deployment.id}>
            <Link to={`/deployments/${encodeURIComponent(deployment.id)}`}>
              {deployment.app} {deployment.version} ({deployment.id})
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}
