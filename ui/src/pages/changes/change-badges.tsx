import type { ChangeDto, ChangeState } from '../../../../src/client/api-client.js';
import { CHANGE_STATE_LOOKS, RISK_LEVEL_LOOKS } from './change-words.js';

export function ChangeStateBadge({ state }: { state: ChangeState }) {
  const look = CHANGE_STATE_LOOKS[state];
  return (
    <span className={`badge badge-${look.tone}`} data-state={state}>
      <span aria-hidden="true">{look.symbol}</span> {look.label}
    </span>
  );
}

export function RiskBadge({ risk }: { risk: ChangeDto['risk'] }) {
  if (!risk) return <span className="muted">not assessed</span>;
  const look = RISK_LEVEL_LOOKS[risk.level];
  return <span className={`badge badge-${look.tone}`}>{look.label}</span>;
}
