import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { api } from '../../api/client.js';
import { Page } from '../../components/page.js';
import { QueryView } from '../../components/query-view.js';
import { matchesTargetFilter, type TargetFilter } from './target-filter.js';
import { TargetTable } from './target-table.js';
import './targets.css';

/** The inventory of targets, narrowed by label (`?label=env=prod`) and name (`?name=web`). */
export function TargetsPage() {
  const [params, setParams] = useSearchParams();
  const targets = useQuery({ queryKey: ['targets'], queryFn: () => api.listTargets() });
  const filter: TargetFilter = { label: params.get('label') ?? '', name: params.get('name') ?? '' };
  const setFilter = (key: keyof TargetFilter, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };
  return (
    <Page title="Targets">
      <form className="filters" role="search" aria-label="Filter the targets" onSubmit={(event) => event.preventDefault()}>
        <label>
          Name
          <input type="search" value={filter.name} placeholder="any" onChange={(event) => setFilter('name', event.target.value)} />
        </label>
        <label>
          Label
          <input type="search" value={filter.label} placeholder="e.g. env=prod" onChange={(event) => setFilter('label', event.target.value)} />
        </label>
      </form>
      <QueryView query={targets} what="the targets">
        {(list) => {
          if (list.length === 0)
            return (
              <p className="empty">
                No targets yet. Register one with <code>gantry target add</code> or enrol an agent.
              </p>
            );
          const shown = list.filter((target) => matchesTargetFilter(target, filter));
          return (
            <>
              <p className="muted" role="status">
                {shown.length === list.length ? `${list.length} targets` : `${shown.length} of ${list.length} targets`}
              </p>
              {shown.length === 0 ? <p className="empty">No target matches these filters.</p> : <TargetTable targets={shown} />}
            </>
          );
        }}
      </QueryView>
    </Page>
  );
}
