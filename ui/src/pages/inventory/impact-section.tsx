import { useSearchParams } from 'react-router';
import { QueryView } from '../../components/query-view.js';
import { ImpactView } from './impact-view.js';
import { useImpact } from './inventory-queries.js';

const DEFAULT_DEPTH = 3;
const MAX_DEPTH = 10;

/** `?depth=N` (1-10, 3 when absent or out of range). */
function depthOf(value: string | null): number {
  const depth = Number(value);
  return Number.isInteger(depth) && depth >= 1 && depth <= MAX_DEPTH ? depth : DEFAULT_DEPTH;
}

/** Impact analysis of the CI, to a depth kept in the address. */
export function ImpactSection({ ciRef }: { ciRef: string }) {
  const [params, setParams] = useSearchParams();
  const depth = depthOf(params.get('depth'));
  const impact = useImpact(ciRef, depth);
  const setDepth = (value: number) => {
    const next = new URLSearchParams(params);
    if (value === DEFAULT_DEPTH) next.delete('depth');
    else next.set('depth', String(value));
    setParams(next, { replace: true });
  };
  return (
    <section aria-labelledby="ci-impact">
      <h2 id="ci-impact">Impact</h2>
      <p className="muted impact-note">If {ciRef} changes or fails, what is affected, following relationships up to the depth chosen.</p>
      <label className="impact-depth">
        Depth
        <select value={depth} onChange={(event) => setDepth(Number(event.target.value))}>
          {Array.from({ length: MAX_DEPTH }, (_, index) => index + 1).map((value) => (
            <option key={value} value={value}>
              {value}
            </option>
          ))}
        </select>
      </label>
      <div aria-busy={impact.isFetching}>
        <QueryView query={impact} what="the impact">
          {(found) => <ImpactView impact={found} />}
        </QueryView>
      </div>
    </section>
  );
}
