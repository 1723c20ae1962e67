import type { PolicyResultsDto } from '../../../../src/client/api-client.js';
import { ShareCell } from '../../components/share-cell.js';

export type PolicyCounts = PolicyResultsDto['environments'][number]['overall'];

/** One environment (× policy); unknown its own bucket: a target without recent facts is never counted as passing. */
export function ComplianceCountsCell({ counts }: { counts: PolicyCounts | undefined }) {
  if (counts === undefined) return <ShareCell total={0} empty="no targets concerned" buckets={[]} />;
  return (
    <ShareCell
      total={counts.total}
      empty="no targets concerned"
      buckets={[
        { key: 'pass', label: 'passing', symbol: '✓', tone: 'good', count: counts.pass, percent: counts.passPercent },
        { key: 'fail', label: 'failing', symbol: '✕', tone: 'bad', count: counts.fail, percent: counts.failPercent },
        { key: 'unknown', label: 'unknown', symbol: '?', tone: 'unknown', count: counts.unknown, percent: counts.unknownPercent },
      ]}
    />
  );
}
