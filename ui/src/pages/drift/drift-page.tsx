import { useSearchParams } from 'react-router';
import type { DriftRecordDto } from '../../../../src/client/api-client.js';
import { Page } from '../../components/page.js';
import { QueryView } from '../../components/query-view.js';
import { RefreshButton } from '../../components/refresh-button.js';
import { CheckNowButton } from './check-now-button.js';
import { DRIFT_KEY, useDrift } from './drift-queries.js';
import { EnvironmentDrift } from './environment-drift.js';
import './drift.css';

function byEnvironment(records: readonly DriftRecordDto[]): [string, DriftRecordDto[]][] {
  const groups = new Map<string, DriftRecordDto[]>();
  for (const record of records) groups.set(record.environment, [...(groups.get(record.environment) ?? []), record]);
  return [...groups];
}

/** Configuration drift (issue 9): per environment, the targets whose live release no longer matches what Gantry put there. */
export function DriftPage() {
  const [params, setParams] = useSearchParams();
  const environment = params.get('environment') ?? undefined;
  const drift = useDrift();
  const environments = [...new Set((drift.data ?? []).map((record) => record.environment))];
  const choose = (value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set('environment', value);
    else next.delete('environment');
    setParams(next, { replace: true });
  };
  return (
    <Page
      title="Drift"
      actions={
        <>
          <RefreshButton queryKey={DRIFT_KEY} />
          <CheckNowButton environment={environment} />
        </>
      }
    >
      <form className="filters" role="search" aria-label="Filter the drift" onSubmit={(event) => event.preventDefault()}>
        <label>
          Environment
          <select value={environment ?? ''} onChange={(event) => choose(event.target.value)}>
            <option value="">all environments</option>
            {(environment && !environments.includes(environment) ? [...environments, environment] : environments).map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
      </form>
      <QueryView query={drift} what="the drift checks">
        {(records) => {
          const groups = byEnvironment(records).filter(([name]) => environment === undefined || name === environment);
          if (groups.length === 0)
            return (
              <p className="empty">
                {environment ? `No drift check of ${environment} yet.` : 'No drift check yet.'} Check now, or let the server check on a schedule (GANTRY_DRIFT_INTERVAL).
              </p>
            );
          return groups.map(([name, group]) => <EnvironmentDrift key={name} environment={name} records={group} />);
        }}
      </QueryView>
    </Page>
  );
}
