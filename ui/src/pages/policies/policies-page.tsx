import { Page } from '../../components/page.js';
import { ComplianceSummary } from './compliance-summary.js';
import { PoliciesRefresh } from './policies-refresh.js';
import { usePolicyResults } from './policies-queries.js';
import { PolicyList } from './policy-list.js';
import './policies.css';

/** Endpoint compliance policies (issue 9): pass / fail / unknown per environment, each policy with its failing and unknown targets and its history. */
export function PoliciesPage() {
  const results = usePolicyResults();
  return (
    <Page title="Compliance policies" actions={<PoliciesRefresh />}>
      <ComplianceSummary results={results} />
      <PolicyList results={results} />
    </Page>
  );
}
