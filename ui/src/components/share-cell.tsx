/** One bucket of a share: how many targets, what percentage of them, and how it reads. */
export interface ShareBucket {
  /** Also `data-bucket`, for tests and styles. */
  readonly key: string;
  readonly label: string;
  readonly symbol: string;
  readonly tone: 'good' | 'bad' | 'unknown';
  readonly count: number;
  readonly percent: number | null;
}

/**
 * A table cell splitting targets into buckets (compliant / non-compliant / unknown, passing /
 * failing / unknown): a stacked bar (decoration) and each bucket's share and count in words.
 */
export function ShareCell({ buckets, total, empty }: { buckets: readonly ShareBucket[]; total: number; empty: string }) {
  if (total === 0)
    return (
      <td className="share-cell share-none">
        <span aria-hidden="true">—</span>
        <span className="visually-hidden">{empty}</span>
      </td>
    );
  return (
    <td className="share-cell">
      <div className="share-bar" aria-hidden="true">
        {buckets.map((bucket) => ((bucket.percent ?? 0) > 0 ? <span key={bucket.key} className={`share-bar-${bucket.tone}`} style={{ width: `${bucket.percent}%` }} /> : null))}
      </div>
      <ul className="share-buckets">
        {buckets.map((bucket) => (
          <li key={bucket.key} data-bucket={bucket.key} className={`share-${bucket.tone}`}>
            <span aria-hidden="true">{bucket.symbol}</span> <strong>{bucket.percent ?? 0}%</strong> {bucket.label} <span className="muted">({bucket.count})</span>
          </li>
        ))}
      </ul>
      <span className="muted small">
        of {total} target{total === 1 ? '' : 's'}
      </span>
    </td>
  );
}
