import type { UseQueryResult } from '@tanstack/react-query';
import type { PolicyResultsDto } from '../../../../src/client/api-client.js';
import { QueryView } from '../../components/query-view.js';
import { usePolicies } from './policies-queries.js';
import { PolicyCard } from './policy-card.js';

/** Every policy, by name, each with the targets that fail it or are unknown. */
export function PolicyList({ results }: { results: UseQueryResult<PolicyResultsDto> }) {
  const policies = usePolicies();
  return (
    <section aria-labelledby="policies-list-heading">
      <h2 id="policies-list-heading">Policies</h2>
      <QueryView query={policies} what="policies">
        {(list) =>
          list.length === 0 ? (
            <p className="empty">
              No policy yet. Apply one with <code>gantry policy apply -f policy.yaml</code>.
            </p>
          ) : (
            <QueryView query={results} what="policy results">
              {(report) => list.map((policy) => <PolicyCard key={policy.name} policy={policy} rows={report.results} />)}
            </QueryView>
          )
        }
      </QueryView>
    </section>
  );
}
