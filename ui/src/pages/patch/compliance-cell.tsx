import type { ComplianceDto } from '../../../../src/client/api-client.js';
import { ShareCell } from '../../components/share-cell.js';

export type ComplianceCounts = ComplianceDto['environments'][number]['overall'];

/** One environment × severity; unknown its own bucket: a target without recent facts is never counted as compliant. */
export function ComplianceCell({ counts }: { counts: ComplianceCounts }) {
  return (
    <ShareCell
      total={counts.total}
      empty="no targets"
      buckets={[
        { key: 'compliant', label: 'compliant', symbol: '✓', tone: 'good', count: counts.compliant, percent: counts.compliantPercent },
        { key: 'noncompliant', label: 'non-compliant', symbol: '✕', tone: 'bad', count: counts.noncompliant, percent: counts.noncompliantPercent },
        { key: 'unknown', label: 'unknown', symbol: '?', tone: 'unknown', count: counts.unknown, percent: counts.unknownPercent },
      ]}
    />
  );
}
