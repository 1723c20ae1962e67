import type { ChangeDto } from '../../../../src/client/api-client.js';

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

function PolicyInWords({ change }: { change: ChangeDto }) {
  const policy = change.approvalPolicy;
  if (!policy) return <p className="muted">No approval policy applies yet: it is chosen when the change is submitted.</p>;
  const needs = policy.requirements.map((requirement) => `${requirement.count} from ${requirement.group}`).join(' and ');
  return (
    <p>
      Policy <strong>{policy.name}</strong> {policy.requirements.length === 0 ? 'needs no approvals.' : `needs ${needs}.`}
    </p>
  );
}

function StatusInWords({ status }: { status: NonNullable<ChangeDto['approvalStatus']> }) {
  return (
    <>
      {status.status === 'approved' && <p>The policy is satisfied.</p>}
      {status.status === 'rejected' && <p>An eligible approver rejected the change.</p>}
      {status.missing.length > 0 && (
        <p>
          <strong>Still needed:</strong> {status.missing.map((missing) => `${missing.needed} more from ${missing.group}`).join(', ')}.
        </p>
      )}
      {status.ignored.length > 0 && (
        <>
          <p>Decisions that do not count:</p>
          <ul>
            {status.ignored.map((ignored) => (
              <li key={`${ignored.by}-${ignored.reason}`}>
                {ignored.by}: {ignored.why}
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

/** Decisions given so far, and what the approval policy still needs. */
export function ChangeApprovals({ change }: { change: ChangeDto }) {
  return (
    <section aria-labelledby="approvals-heading">
      <h2 id="approvals-heading">Approvals</h2>
      <PolicyInWords change={change} />
      {change.approvalStatus && <StatusInWords status={change.approvalStatus} />}
      {change.approvals.length === 0 ? (
        <p className="muted">No decisions yet.</p>
      ) : (
        <div className="grid-scroll">
          <table className="list">
            <caption className="visually-hidden">Decisions</caption>
            <thead>
              <tr>
                <th scope="col">By</th>
                <th scope="col">Decision</th>
                <th scope="col">Groups</th>
                <th scope="col">At</th>
                <th scope="col">Comment</th>
              </tr>
            </thead>
            <tbody>
              {change.approvals.map((approval) => {
                const outdated = approval.planVersion !== change.planVersion || approval.releaseDigest !== change.releaseDigest;
                return (
                  <tr key={`${approval.by}-${approval.at}`}>
                    <th scope="row">{approval.by}</th>
                    <td>
                      <span className={`badge badge-${approval.decision === 'approve' ? 'good' : 'bad'}`}>
                        <span aria-hidden="true">{approval.decision === 'approve' ? '✓' : '✕'}</span> {approval.decision === 'approve' ? 'approved' : 'rejected'}
                      </span>
                      {outdated && <span className="muted"> (for an earlier plan: does not count)</span>}
                    </td>
                    <td>{approval.groups.join(', ') || '—'}</td>
                    <td>
                      <time dateTime={approval.at}>{dateTime.format(new Date(approval.at))}</time>
                    </td>
                    <td>{approval.comment ?? '—'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
