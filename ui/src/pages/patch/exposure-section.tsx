import { useSearchParams } from 'react-router';
import { QueryView } from '../../components/query-view.js';
import { DEFAULT_STATE_FILTER, matchesState, needsAllPairs, STATE_FILTERS, stateFilterOf } from './exposure-filter.js';
import { ExposureTable } from './exposure-table.js';
import { useExposure } from './patch-queries.js';

/** Targets against advisories, narrowed by environment (`?environment=`) and state (`?state=`, the affected ones by default). */
export function ExposureSection({ environments }: { environments: readonly string[] }) {
  const [params, setParams] = useSearchParams();
  const environment = params.get('environment') || undefined;
  const state = stateFilterOf(params.get('state'));
  const exposure = useExposure(environment, needsAllPairs(state));
  const setParam = (name: 'environment' | 'state', value: string, unset: string) => {
    const next = new URLSearchParams(params);
    if (value === unset) next.delete(name);
    else next.set(name, value);
    setParams(next, { replace: true });
  };
  const choices = environment === undefined || environments.includes(environment) ? environments : [...environments, environment];
  return (
    <section aria-labelledby="patch-exposure-heading">
      <h2 id="patch-exposure-heading">Exposure</h2>
      <form className="filters" role="search" aria-label="Filter the exposure" onSubmit={(event) => event.preventDefault()}>
        <label>
          Environment
          <select value={environment ?? ''} onChange={(event) => setParam('environment', event.target.value, '')}>
            <option value="">All environments</option>
            {choices.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          State
          <select value={state} onChange={(event) => setParam('state', event.target.value, DEFAULT_STATE_FILTER)}>
            {STATE_FILTERS.map((filter) => (
              <option key={filter.value} value={filter.value}>
                {filter.label}
              </option>
            ))}
          </select>
        </label>
      </form>
      <QueryView query={exposure} what="the exposure">
        {(rows) => {
          const shown = rows.filter((row) => matchesState(row, state));
          return (
            <>
              <p className="muted patch-count" role="status">
                {shown.length} target × advisory pair{shown.length === 1 ? '' : 's'}
              </p>
              {shown.length === 0 ? <p className="empty">No target × advisory pair matches these filters.</p> : <ExposureTable rows={shown} />}
            </>
          );
        }}
      </QueryView>
    </section>
  );
}
