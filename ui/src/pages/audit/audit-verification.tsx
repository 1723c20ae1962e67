import { useMutation } from '@tanstack/react-query';
import type { AuditVerificationDto } from '../../../../src/client/api-client.js';
import { api } from '../../api/client.js';
import { messageOf } from '../../api/errors.js';

function verdictInWords(verdict: AuditVerificationDto): string {
  if (!verdict.ok)
    return `The audit chain is broken at seq ${verdict.firstBroken.seq}: ${verdict.firstBroken.problem}. ${verdict.checked} record${verdict.checked === 1 ? '' : 's'} before it are intact.`;
  if (verdict.head === null) return 'The audit log is empty: nothing to verify.';
  return `The audit chain is intact up to seq ${verdict.head.seq} (${verdict.checked} record${verdict.checked === 1 ? '' : 's'} checked).`;
}

/** Checks the log's hash chain on request and says the verdict in words. */
export function AuditVerification() {
  const verify = useMutation({ mutationFn: () => api.verifyAudit() });
  return (
    <div className="audit-verification">
      <button type="button" className="button" onClick={() => verify.mutate()} disabled={verify.isPending}>
        Verify the audit chain
      </button>
      {verify.isPending && (
        <p role="status" className="muted">
          Verifying…
        </p>
      )}
      {verify.isError && (
        <p role="alert" className="error">
          Could not verify: {messageOf(verify.error)}
        </p>
      )}
      {verify.isSuccess &&
        (verify.data.ok ? (
          <p role="status" className="audit-verdict audit-verdict-ok">
            <span aria-hidden="true">✓ </span>
            {verdictInWords(verify.data)}
          </p>
        ) : (
          <p role="alert" className="audit-verdict audit-verdict-broken">
            <span aria-hidden="true">✕ </span>
            {verdictInWords(verify.data)}
          </p>
        ))}
    </div>
  );
}
