import { Link } from 'react-router';
import type { ChangeDto } from '../../../../src/client/api-client.js';
import { readEvidence } from './change-evidence.js';
import { CLOSE_CODE_LABELS } from './change-words.js';

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const at = (iso: string | null) => (iso ? dateTime.format(new Date(iso)) : 'not recorded');

/** What ran (from the evidence bundle) and the post-implementation review, when there are some. */
export function ChangeEvidenceSection({ change }: { change: ChangeDto }) {
  const evidence = readEvidence(change.evidence);
  const { review } = change;
  if (!evidence && !review) return null;
  return (
    <section aria-labelledby="evidence-heading">
      <h2 id="evidence-heading">Evidence and review</h2>
      {evidence && (
        <dl className="change-facts">
          {evidence.deploymentId && (
            <>
              <dt>Deployment</dt>
              <dd>
                <Link to={`/deployments/${encodeURIComponent(evidence.deploymentId)}`}>{evidence.deploymentId}</Link>
              </dd>
            </>
          )}
          <dt>Ran</dt>
          <dd>
            {at(evidence.actualWindow.start)} – {at(evidence.actualWindow.end)}
            {evidence.withinPlannedWindow === true && ', inside the planned window'}
            {evidence.windowOverrun && `, ${evidence.windowOverrun}`}
          </dd>
          <dt>Targets</dt>
          <dd>{evidence.targets.length === 0 ? 'none' : evidence.targets.map((entry) => `${entry.count} ${entry.outcome}`).join(', ')}</dd>
          <dt>Pauses</dt>
          <dd>{evidence.pauses}</dd>
          <dt>Rollback</dt>
          <dd>{evidence.rolledBack ? 'began' : 'none'}</dd>
          {evidence.proposal && (
            <>
              <dt>Proposed close code</dt>
              <dd>
                <strong>{CLOSE_CODE_LABELS[evidence.proposal.closeCode]}</strong>
                {evidence.proposal.reason && `: ${evidence.proposal.reason}`}
              </dd>
            </>
          )}
        </dl>
      )}
      {review && (
        <p>
          Closed as <strong>{CLOSE_CODE_LABELS[review.closeCode]}</strong>
          {review.closeCode !== review.proposedCloseCode && ` (proposed: ${CLOSE_CODE_LABELS[review.proposedCloseCode]})`} by {review.reviewer} on{' '}
          <time dateTime={review.at}>{at(review.at)}</time>
          {review.notes && <>: {review.notes}</>}
        </p>
      )}
    </section>
  );
}
