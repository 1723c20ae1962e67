import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { DashboardCellDto, DashboardDto } from '../../../src/client/api-client.js';
import { api } from '../api/client.js';
import { Page } from '../components/page.js';
import { QueryView } from '../components/query-view.js';
import { StateBadge } from '../components/state-badge.js';
import { TimeAgo } from '../components/time-ago.js';

type Row = DashboardDto['applications'][number];

/** The environments of every row, in lifecycle order (as each application's manifest lists them). */
export function environmentColumns(rows: readonly Row[]): string[] {
  const columns: string[] = [];
  for (const row of rows) {
    row.cells.forEach((cell, index) => {
      if (columns.includes(cell.environment)) return;
      // After the environment it follows in this application, or else before the one it precedes.
      const after = columns.indexOf(row.cells[index - 1]?.environment ?? '');
      const before = row.cells.slice(index + 1).map((next) => columns.indexOf(next.environment)).find((at) => at !== -1);
      columns.splice(after !== -1 ? after + 1 : (before ?? columns.length), 0, cell.environment);
    });
  }
  return columns;
}

/** `key=value` (or just `key`) against the labels that select a cell's targets. */
function matchesLabel(cell: DashboardCellDto, filter: string): boolean {
  if (!filter) return true;
  const [key, value] = filter.split('=', 2).map((part) => part.trim());
  return Object.entries(cell.selector).some(([k, v]) => k === key && (value === undefined || value === '' || v === value));
}

export function DashboardPage() {
  const [params, setParams] = useSearchParams();
  const dashboard = useQuery({ queryKey: ['dashboard'], queryFn: () => api.dashboard() });
  const appFilter = params.get('app') ?? '';
  const environmentFilter = params.get('environment') ?? '';
  const labelFilter = params.get('label') ?? '';
  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };
  const allColumns = useMemo(() => environmentColumns(dashboard.data?.applications ?? []), [dashboard.data]);
  return (
    <Page title="Dashboard">
      <form className="filters" role="search" aria-label="Filter the dashboard" onSubmit={(event) => event.preventDefault()}>
        <label>
          Application
          <input type="search" value={appFilter} placeholder="any" onChange={(event) => setFilter('app', event.target.value)} />
        </label>
        <label>
          Environment
          <select value={environmentFilter} onChange={(event) => setFilter('environment', event.target.value)}>
            <option value="">all</option>
            {allColumns.map((environment) => (
              <option key={environment}>{environment}</option>
            ))}
          </select>
        </label>
        <label>
          Target label
          <input type="search" value={labelFilter} placeholder="e.g. zone=a" onChange={(event) => setFilter('label', event.target.value)} />
        </label>
      </form>
      <QueryView query={dashboard} what="the dashboard">
        {(data) => {
          const columns = allColumns.filter((environment) => !environmentFilter || environment === environmentFilter);
          const rows = data.applications
            .filter((row) => row.app.toLowerCase().includes(appFilter.toLowerCase()))
            .map((row) => ({ ...row, cells: row.cells.filter((cell) => matchesLabel(cell, labelFilter)) }))
            .filter((row) => row.cells.some((cell) => columns.includes(cell.environment)));
          if (data.applications.length === 0) return <p className="empty">No applications yet. Apply a manifest with <code>gantry apply</code> to see one here.</p>;
          if (rows.length === 0) return <p className="empty">No application matches these filters.</p>;
          return <DashboardGrid rows={rows} columns={columns} />;
        }}
      </QueryView>
    </Page>
  );
}

function DashboardGrid({ rows, columns }: { rows: readonly Row[]; columns: readonly string[] }) {
  return (
    <div className="grid-scroll">
      <table className="dashboard">
        <caption className="visually-hidden">Live release of each application in each environment</caption>
        <thead>
          <tr>
            <th scope="col">Application</th>
            {columns.map((environment) => (
              <th scope="col" key={environment}>
                {environment}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.app}>
              <th scope="row">
                <Link to={`/releases/${encodeURIComponent(row.app)}`}>{row.app}</Link>
                <span className="muted small">{row.strategy}</span>
              </th>
              {columns.map((environment) => {
                const cell = row.cells.find((candidate) => candidate.environment === environment);
                return <td key={environment}>{cell ? <DashboardCell app={row.app} cell={cell} /> : <span className="muted">
                        — <span className="visually-hidden">not in this environment</span>
                      </span>}</td>;
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const HEALTH_WORDS = { healthy: 'healthy', degraded: 'degraded', unknown: 'no health yet' } as const;

function DashboardCell({ app, cell }: { app: string; cell: DashboardCellDto }) {
  const latest = cell.latest;
  const body = (
    <>
      <span className="cell-version">{cell.liveVersion ?? 'nothing live'}</span>
      <span className="cell-state">{latest ? <StateBadge state={latest.state} /> : <span className="muted">never deployed</span>}</span>
      {/* Always there, so the cell does not change size when a deployment starts or ends. */}
      <span className="cell-progress" aria-hidden={cell.progress === null}>
        {cell.progress && (
          <progress max={cell.progress.total} value={cell.progress.done} aria-label={`${app} in ${cell.environment}: ${cell.progress.done} of ${cell.progress.total} targets done`} />
        )}
      </span>
      <span className="cell-meta">
        <span className={`health health-${cell.health}`}>{HEALTH_WORDS[cell.health]}</span>
        {latest?.state !== 'running' && cell.liveSince ? <TimeAgo at={cell.liveSince} /> : latest ? <TimeAgo at={latest.createdAt} /> : null}
      </span>
    </>
  );
  if (!latest) return <div className="cell" data-testid={`cell-${app}-${cell.environment}`}>{body}</div>;
  return (
    <Link className="cell" to={`/deployments/${encodeURIComponent(latest.id)}`} data-testid={`cell-${app}-${cell.environment}`}>
      <span className="visually-hidden">
        {app} in {cell.environment}, latest deployment {latest.version}:{' '}
      </span>
      {body}
    </Link>
  );
}
