import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../../api/client.js';
import { useCan, useSession } from '../../api/session.js';
import { QueryView } from '../../components/query-view.js';
import { awaitingApproval } from './approval-inbox.js';
import { RiskBadge } from './change-badges.js';
import { TIME_ZONE } from '../calendar/calendar-time.js';
import { windowInWords } from './change-words.js';

/** "Awaiting your approval": the changes only this user's decision moves on. */
export function ApprovalInboxSection() {
  const { user } = useSession();
  const can = useCan();
  const asking = useQuery({ queryKey: ['changes', { state: 'authorize' }], queryFn: () => api.listChanges({ state: 'authorize' }) });
  return (
    <section aria-labelledby="inbox-heading" className="change-inbox">
      <h2 id="inbox-heading">Awaiting your approval</h2>
      <QueryView query={asking} what="changes awaiting approval">
        {(changes) => {
          const mine = awaitingApproval(changes, user, can);
          if (mine.length === 0) return <p className="empty">Nothing is waiting for your decision.</p>;
          return (
            <ul className="change-inbox-list">
              {mine.map((change) => (
                <li key={change.id} className="change-inbox-item">
                  <Link to={`/changes/${encodeURIComponent(change.id)}`} className="change-inbox-title">
                    {change.id}: {change.title}
                  </Link>
                  <span>
                    <span className="mono">
                      {change.app} {change.version}
                    </span>{' '}
                    → {change.environment}
                  </span>
                  <span>
                    {change.type} change · <RiskBadge risk={change.risk} />
                  </span>
                  <span>Requested by {change.requester}</span>
                  <span>
                    Planned window: {windowInWords(change.plan.window)} {change.plan.window && <span className="muted">({TIME_ZONE})</span>}
                  </span>
                </li>
              ))}
            </ul>
          );
        }}
      </QueryView>
    </section>
  );
}
