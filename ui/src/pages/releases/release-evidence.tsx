import { useQuery } from '@tanstack/react-query';
import type { EvidenceDto, ReleaseDto } from '../../../../src/client/api-client.js';
import { api } from '../../api/client.js';
import { QueryView } from '../../components/query-view.js';
import { TimeAgo } from '../../components/time-ago.js';
import { ReleasePicker, useReleaseChoice } from './release-picker.js';

/**
 * The evidence a release carries (issue 11): test reports, scans, review, coverage, attestations,
 * one line each as the server describes them (GET …/releases/:version/evidence).
 */
export function ReleaseEvidenceSection({ app, releases }: { readonly app: string; readonly releases: readonly ReleaseDto[] }) {
  const { newestFirst, version, setVersion } = useReleaseChoice(releases);
  const evidence = useQuery({ queryKey: ['release-evidence', app, version], queryFn: () => api.listReleaseEvidence(app, version), enabled: version !== '' });
  if (newestFirst.length === 0) return null;
  return (
    <section aria-labelledby="release-evidence">
      <h2 id="release-evidence">Evidence</h2>
      <div className="filters">
        <ReleasePicker releases={newestFirst} version={version} onChange={setVersion} />
      </div>
      <QueryView query={evidence} what="the release evidence">
        {(found) => <ReleaseEvidenceList evidence={found} />}
      </QueryView>
    </section>
  );
}

/** Failing tests and SARIF errors are what a reader looks for: marked, not hidden in the line. */
function needsAttention(entry: EvidenceDto): boolean {
  const summary = entry.summary;
  return (summary.type === 'junit' && summary.failures + summary.errors > 0) || (summary.type === 'sarif' && summary.levels.error > 0);
}

export function ReleaseEvidenceList({ evidence }: { evidence: readonly EvidenceDto[] }) {
  if (evidence.length === 0) {
    return (
      <p className="empty">
        No evidence attached. CI attaches it with <code>gantry release attest</code>.
      </p>
    );
  }
  return (
    <ul className="evidence-list">
      {evidence.map((entry) => (
        <li key={entry.id} className={needsAttention(entry) ? 'attention' : undefined}>
          {entry.description} <span className="muted">by {entry.attachedBy}, <TimeAgo at={entry.attachedAt} /></span>
        </li>
      ))}
    </ul>
  );
}
