import type { ComplianceDto } from '../../../../src/client/api-client.js';

export type ComplianceCounts = ComplianceDto['environments'][number]['overall'];

/** The three buckets, unknown its own: a target without recent facts is never counted as compliant. */
const BUCKETS = [
  { key: 'compliant', percent: 'compliantPercent', label: 'compliant', symbol: '✓' },
  { key: 'noncompliant', percent: 'noncompliantPercent', label: 'non-compliant', symbol: '✕' },
  { key: 'unknown', percent: 'unknownPercent', label: 'unknown', symbol: '?' },
] as const;

/** One environment × severity: a stacked bar (decoration) and each bucket's share and count in words. */
export function ComplianceCell({ counts }: { counts: ComplianceCounts }) {
  if (counts.total === 0)
    return (
      <td className="compliance-cell compliance-none">
        <span aria-hidden="true">—</span>
        <span className="visually-hidden">no targets</span>
      </td>
    );
  return (
    <td className="compliance-cell">
      <div className="compliance-bar" aria-hidden="true">
        {BUCKETS.map((bucket) => {
          const percent = counts[bucket.percent] ?? 0;
          return percent > 0 ? <span key={bucket.key} className={`compliance-bar-${bucket.key}`} style={{ width: `${percent}%` }} /> : null;
        })}
      </div>
      <ul className="compliance-buckets">
        {BUCKETS.map((bucket) => (
          <li key={bucket.key} data-bucket={bucket.key} className={`compliance-${bucket.key}`}>
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
