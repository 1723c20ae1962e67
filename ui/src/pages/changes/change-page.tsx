import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { api } from '../../api/client.js';
import { Page } from '../../components/page.js';
import { QueryView } from '../../components/query-view.js';
import { ChangeActions } from './change-actions.js';
import { ChangeApprovals } from './change-approvals.js';
import { ChangeStateBadge } from './change-badges.js';
import { ChangeConflicts } from './change-conflicts.js';
import { ChangeEvidenceSection } from './change-evidence-section.js';
import { ChangeHistory } from './change-history.js';
import { ChangeRisk } from './change-risk.js';
import { TIME_ZONE } from '../calendar/calendar-time.js';
import { windowInWords } from './change-words.js';
import { PlanView } from './plan-view.js';
import './changes.css';

function PlanSection({ id, planVersion }: { id: string; planVersion: number }) {
  const plan = useQuery({ queryKey: ['changes', id, 'plan', planVersion], queryFn: () => api.getPlanMarkdown(id) });
  return (
    <section aria-labelledby="plan-heading" className="change-plan">
      <h2 id="plan-heading">Plan (version {planVersion})</h2>
      <QueryView query={plan} what="the plan">
        {(markdown) => <PlanView markdown={markdown} />}
      </QueryView>
    </section>
  );
}

export function ChangePage() {
  const id = useParams().id ?? '';
  const change = useQuery({ queryKey: ['changes', id], queryFn: () => api.getChange(id) });
  if (!change.isSuccess)
    return (
      <Page title={`Change ${id}`}>
        <QueryView query={change} what={`change ${id}`}>
          {() => null}
        </QueryView>
      </Page>
    );
  const found = change.data;
  return (
    <Page title={`${found.id}: ${found.title}`} actions={<ChangeActions change={found} />}>
      <dl className="change-facts change-summary">
        <dt>State</dt>
        <dd>
          <ChangeStateBadge state={found.state} />
        </dd>
        <dt>Application</dt>
        <dd>
          <Link to={`/releases/${encodeURIComponent(found.app)}`}>{found.app}</Link>
        </dd>
        <dt>Version</dt>
        <dd className="mono">{found.version}</dd>
        <dt>Environment</dt>
        <dd>{found.environment}</dd>
        <dt>Type</dt>
        <dd>{found.type} change</dd>
        <dt>Requested by</dt>
        <dd>{found.requester}</dd>
        <dt>Planned window</dt>
        <dd>
          {windowInWords(found.plan.window)}
          {found.plan.window && <span className="muted"> ({TIME_ZONE})</span>}
        </dd>
        {found.deploymentId && (
          <>
            <dt>Deployment</dt>
            <dd>
              <Link to={`/deployments/${encodeURIComponent(found.deploymentId)}`}>{found.deploymentId}</Link>
            </dd>
          </>
        )}
      </dl>
      <div className="change-columns">
        <div>
          <ChangeRisk risk={found.risk} />
          <ChangeApprovals change={found} />
          <ChangeConflicts change={found} />
          <ChangeEvidenceSection change={found} />
        </div>
        <ChangeHistory id={found.id} />
      </div>
      <PlanSection id={found.id} planVersion={found.planVersion} />
    </Page>
  );
}
