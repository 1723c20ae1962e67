import type { DriftRecordDto } from '../../../../src/client/api-client.js';

type DriftState = DriftRecordDto['state'];

const LOOKS: Record<DriftState, { label: string; symbol: string; tone: string }> = {
  drifted: { label: 'drifted', symbol: '≠', tone: 'bad' },
  unknown: { label: 'unknown', symbol: '?', tone: 'warning' },
  in_sync: { label: 'in sync', symbol: '✓', tone: 'good' },
};

export function driftStateLabel(state: DriftState): string {
  return LOOKS[state].label;
}

/** The state of a check in words and a symbol, never colour alone. */
export function DriftStateBadge({ state }: { state: DriftState }) {
  const look = LOOKS[state];
  return (
    <span className={`badge badge-${look.tone}`} data-state={state}>
      <span aria-hidden="true">{look.symbol}</span> {look.label}
    </span>
  );
}

/** Whether a deployment or a change explains the drift: UNAUTHORISED when nothing does, else what did. */
export function AuthorisationCell({ record }: { record: DriftRecordDto }) {
  if (record.state === 'in_sync') return <span className="muted">—</span>;
  return (
    <>
      {record.unauthorised ? (
        <span className="badge badge-bad" data-authorisation="unauthorised">
          <span aria-hidden="true">⚠</span> UNAUTHORISED
        </span>
      ) : (
        <span className="badge badge-neutral" data-authorisation="explained">
          <span aria-hidden="true">✓</span> explained
        </span>
      )}
      {record.explanation && <span className="drift-explanation">{record.explanation}</span>}
    </>
  );
}
