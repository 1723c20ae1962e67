import { useParams } from 'react-router';
import { Page } from '../../components/page.js';
import { QueryView } from '../../components/query-view.js';
import { RefreshButton } from '../../components/refresh-button.js';
import { CiDetails, LifecycleDates } from './ci-details.js';
import { ImpactSection } from './impact-section.js';
import { INVENTORY_KEY, useCi } from './inventory-queries.js';
import { RelationshipsSection } from './relationships-section.js';
import './inventory.css';

/** One configuration item (`/inventory/ci%3Aorders-db`): its fields, relationships and impact. */
export function CiPage() {
  const ref = useParams().ref ?? '';
  const ci = useCi(ref);
  return (
    <Page title={ref} actions={<RefreshButton queryKey={INVENTORY_KEY} />}>
      <QueryView query={ci} what="the configuration item">
        {({ ci: found, relationships }) => (
          <>
            <section aria-labelledby="ci-details">
              <h2 id="ci-details">Details</h2>
              <CiDetails ci={found} />
            </section>
            {found.manual && (
              <section aria-labelledby="ci-lifecycle">
                <h2 id="ci-lifecycle">Lifecycle</h2>
                <LifecycleDates manual={found.manual} />
              </section>
            )}
            <RelationshipsSection ciRef={found.ref} relationships={relationships} />
            <ImpactSection ciRef={found.ref} />
          </>
        )}
      </QueryView>
    </Page>
  );
}
