import { useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import type { ChangeListFilter, ChangeState } from '../../../../src/client/api-client.js';
import { api } from '../../api/client.js';
import { Page } from '../../components/page.js';
import { QueryView } from '../../components/query-view.js';
import { TimeAgo } from '../../components/time-ago.js';
import { ApprovalInboxSection } from './approval-inbox-section.js';
import { ChangeStateBadge, RiskBadge } from './change-badges.js';
import { TIME_ZONE } from '../calendar/calendar-time.js';
import { CHANGE_STATE_LOOKS, CHANGE_STATES_IN_ORDER, windowInWords } from './change-words.js';
import './changes.css';

function stateParam(value: string | null): ChangeState | undefined {
  return CHANGE_STATES_IN_ORDER.find((state) => state === value);
}

export function ChangesPage() {
  const [params, setParams] = useSearchParams();
  const filter: ChangeListFilter = { state: stateParam(params.get('state')), app: params.get('app') || undefined };
  const changes = useQuery({ queryKey: ['changes', filter], queryFn: () => api.listChanges(filter) });
  const applications = useQuery({ queryKey: ['applications'], queryFn: () => api.listApplications() });
  const setFilter = (name: 'state' | 'app', value: string) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (value) next.set(name, value);
        else next.delete(name);
        return next;
      },
      { replace: true },
    );

  return (
    <Page title="Changes">
      <ApprovalInboxSection />
      <section aria-labelledby="all-changes-heading">
        <h2 id="all-changes-heading">All changes</h2>
        <div className="filters">
          <label>
            State{' '}
            <select value={filter.state ?? ''} onChange={(event) => setFilter('state', event.target.value)}>
              <option value="">All states</option>
              {CHANGE_STATES_IN_ORDER.map((state) => (
                <option key={state} value={state}>
                  {CHANGE_STATE_LOOKS[state].label}
                </option>
              ))}
            </select>
          </label>
          <label>
            Application{' '}
            <select value={filter.app ?? ''} onChange={(event) => setFilter('app', event.target.value)}>
              <option value="">All applications</option>
              {filter.app && !applications.data?.some((app) => app.name === filter.app) && <option value={filter.app}>{filter.app}</option>}
              {applications.data?.map((app) => (
                <option key={app.name} value={app.name}>
                  {app.name}
                </option>
              ))}
            </select>
          </label>
        </div>
        <QueryView query={changes} what="changes">
          {(found) => {
            if (found.length === 0) return <p className="empty">No change matches these filters.</p>;
            const newestFirst = [...found].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
            return (
              <div className="grid-scroll">
                <table className="list">
                  <caption className="visually-hidden">Changes, newest first; windows in {TIME_ZONE}</caption>
                  <thead>
                    <tr>
                      <th scope="col">Change</th>
                      <th scope="col">State</th>
                      <th scope="col">Release</th>
                      <th scope="col">Type</th>
                      <th scope="col">Risk</th>
                      <th scope="col">Requested by</th>
                      <th scope="col">Planned window ({TIME_ZONE})</th>
                      <th scope="col">Created</th>
                    </tr>
                  </thead>
                  <tbody>
                    {newestFirst.map((change) => (
                      <tr key={change.id}>
                        <th scope="row">
                          <Link to={`/changes/${encodeURIComponent(change.id)}`}>
                            {change.id}: {change.title}
                          </Link>
                        </th>
                        <td>
                          <ChangeStateBadge state={change.state} />
                        </td>
                        <td>
                          <span className="mono">
                            {change.app} {change.version}
                          </span>{' '}
                          → {change.environment}
                        </td>
                        <td>{change.type}</td>
                        <td>
                          <RiskBadge risk={change.risk} />
                        </td>
                        <td>{change.requester}</td>
                        <td>{windowInWords(change.plan.window)}</td>
                        <td>
                          <TimeAgo at={change.createdAt} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            );
          }}
        </QueryView>
      </section>
    </Page>
  );
}
