import type { PolicyResultsDto } from '../../../../src/client/api-client.js';

export type PolicyCounts = PolicyResultsDto['environments'][number]['overall'];

/** The three buckets, unknown its own: a target without recent facts is never counted as passing. */
const BUCKETS = [
  { key: 'pass', percent: 'passPercent', label: 'passing', symbol: '✓' },
  { key: 'fail', percent: 'failPercent', label: 'failing', symbol: '✕' },
  { key: 'unknown', percent: 'unknownPercent', label: 'unknown', symbol: '?' },
] as const;

/** One environment (× policy): a stacked bar (decoration) and each bucket's share and count in words. */
export function ComplianceCountsCell({ counts }: { counts: PolicyCounts | undefined }) {
  if (counts === undefined || counts.total === 0)
    return (
      <td className="policy-counts policy-counts-none">
        <span aria-hidden="true">—</span>
        <span className="visually-hidden">no targets concerned</span>
      </td>
    );
  return (
    <td className="policy-counts">
      <div className="policy-bar" aria-hidden="true">
        {BUCKETS.map((bucket) => {
          const percent = counts[bucket.percent] ?? 0;
          return percent > 0 ? <span key={bucket.key} className={`policy-bar-${bucket.key}`} style={{ width: `${percent}%` }} /> : null;
        })}
      </div>
      <ul className="policy-buckets">
        {BUCKETS.map((bucket) => (
          <li key={bucket.key} data-bucket={bucket.key} className={`policy-state-${bucket.key}`}>
            <span aria-hidden="true">{bucket.symbol}</span> <strong>{counts[bucket.percent] ?? 0}%</strong> {bucket.label} <span className="muted">({counts[bucket.key]})</span>
          </li>
        ))}
      </ul>
      <span className="muted small">
        of {counts.total} target{counts.total === 1 ? '' : 's'}
      </span>
    </td>
  );
}
