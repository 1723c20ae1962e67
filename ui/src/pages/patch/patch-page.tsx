import { Page } from '../../components/page.js';
import { AdvisoriesSection } from './advisories-section.js';
import { ComplianceSection } from './compliance-section.js';
import { ExposureSection } from './exposure-section.js';
import { OverdueSection } from './overdue-section.js';
import { PATCH_KEY, useCompliance } from './patch-queries.js';
import { RefreshButton } from '../../components/refresh-button.js';
import './patch.css';

/** Patch compliance (issue 9): per environment and severity, what is past its deadline, which target is exposed to what, and the advisories. */
export function PatchPage() {
  const compliance = useCompliance();
  const environments = compliance.data?.environments.map((environment) => environment.environment) ?? [];
  return (
    <Page title="Patch compliance" actions={<RefreshButton queryKey={PATCH_KEY} />}>
      <ComplianceSection compliance={compliance} />
      <OverdueSection compliance={compliance} />
      <ExposureSection environments={environments} />
      <AdvisoriesSection />
    </Page>
  );
}
