import type { DeploymentDto } from '../../../src/client/api-client.js';

type DeploymentState = DeploymentDto['state'];

/** Words and a symbol for each state, so that colour is never the only cue. */
const LOOKS: Record<DeploymentState, { label: string; symbol: string; tone: string }> = {
  queued: { label: 'queued', symbol: '◷', tone: 'neutral' },
  running: { label: 'running', symbol: '▶', tone: 'active' },
  paused: { label: 'paused', symbol: '❚❚', tone: 'warning' },
  rolling_back: { label: 'rolling back', symbol: '↺', tone: 'warning' },
  succeeded: { label: 'succeeded', symbol: '✓', tone: 'good' },
  failed: { label: 'failed', symbol: '✕', tone: 'bad' },
  rolled_back: { label: 'rolled back', symbol: '↺', tone: 'bad' },
  rollback_failed: { label: 'rollback failed', symbol: '✕', tone: 'bad' },
  cancelled: { label: 'cancelled', symbol: '–', tone: 'neutral' },
};

export function stateLabel(state: DeploymentState): string {
  return LOOKS[state].label;
}

export function StateBadge({ state }: { state: DeploymentState }) {
  const look = LOOKS[state];
  return (
    <span className={`badge badge-${look.tone}`} data-state={state}>
      <span aria-hidden="true">{look.symbol}</span> {look.label}
    </span>
  );
}
