import { useQuery } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { api } from '../../api/client.js';
import { Page } from '../../components/page.js';
import { QueryView } from '../../components/query-view.js';
import { FactHistory } from './fact-history.js';
import { TargetActions } from './target-actions.js';
import { TargetDeployments } from './target-deployments.js';
import { TargetDetails } from './target-details.js';
import { TargetFacts } from './target-facts.js';
import './targets.css';

/** One target: how it is reached, what it reported about itself, and the deployments that reached it. */
export function TargetPage() {
  const name = useParams().name ?? '';
  const target = useQuery({ queryKey: ['targets', name], queryFn: () => api.getTarget(name) });
  return (
    <Page title={name} actions={target.data && <TargetActions target={target.data} />}>
      <QueryView query={target} what="the target">
        {(found) => (
          <>
            <section aria-labelledby="target-connection">
              <h2 id="target-connection">Connection</h2>
              <TargetDetails target={found} />
            </section>
            <section aria-labelledby="target-facts">
              <h2 id="target-facts">Facts</h2>
              {found.facts ? (
                <TargetFacts facts={found.facts} reportedAt={found.factsReportedAt} />
              ) : (
                <p className="muted">{found.transport === 'agent' ? 'The agent has not reported its facts yet.' : 'Only agents report facts.'}</p>
              )}
            </section>
            <section aria-labelledby="target-fact-history">
              <h2 id="target-fact-history">Fact history</h2>
              <FactHistory name={found.name} />
            </section>
            <section aria-labelledby="target-deployments">
              <h2 id="target-deployments">Recent deployments</h2>
              <TargetDeployments target={found} />
            </section>
          </>
        )}
      </QueryView>
    </Page>
  );
}
