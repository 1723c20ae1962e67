import { Page } from '../../components/page.js';
import { ComplianceSummary } from './compliance-summary.js';
import { RefreshButton } from '../../components/refresh-button.js';
import { POLICIES_KEY, usePolicyResults } from './policies-queries.js';
import { PolicyList } from './policy-list.js';
import './policies.css';

/** Endpoint compliance policies (issue 9): pass / fail / unknown per environment, each policy with its failing and unknown targets and its history. */
export function PoliciesPage() {
  const results = usePolicyResults();
  return (
    <Page title="Compliance policies" actions={<RefreshButton queryKey={POLICIES_KEY} />}>
      <ComplianceSummary results={results} />
      <PolicyList results={results} />
    </Page>
  );
}
