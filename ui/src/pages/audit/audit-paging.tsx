import { Link, useSearchParams } from 'react-router';
import type { AuditPosition } from './audit-query.js';

/**
 * "Older" (`?before=` the smallest seq shown) and "Newer" (`?after=` the largest), filters kept.
 * `more`: the page's read found more records beyond it, in the direction it read.
 */
export function AuditPaging({ position, seqs, more }: { position: AuditPosition; seqs: readonly number[]; more: boolean }) {
  const [params] = useSearchParams();
  const at = (kind: 'before' | 'after', seq: number) => {
    const next = new URLSearchParams(params);
    next.delete('before');
    next.delete('after');
    next.set(kind, String(seq));
    return `?${next.toString()}`;
  };
  const smallest = seqs.length > 0 ? Math.min(...seqs) : position.kind === 'after' ? position.seq + 1 : undefined;
  const largest = seqs.length > 0 ? Math.max(...seqs) : position.kind === 'before' ? position.seq - 1 : undefined;
  // Reading newest first finds out about older records; reading forwards (Newer), about newer ones.
  const older = position.kind === 'after' ? smallest !== undefined && smallest > 1 : more;
  const newer = position.kind === 'after' ? more : position.kind === 'before';
  return (
    <nav aria-label="Audit pages" className="audit-paging">
      {newer && largest !== undefined ? <Link to={at('after', largest)}>Newer</Link> : <span className="muted">Newer</span>}
      {older && smallest !== undefined ? <Link to={at('before', smallest)}>Older</Link> : <span className="muted">Older</span>}
    </nav>
  );
}
