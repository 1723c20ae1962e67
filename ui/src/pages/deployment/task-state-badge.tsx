import type { TaskDto } from './deployment-state.js';

type TaskState = TaskDto['state'];

/** Words and a symbol for each target's state, so that colour is never the only cue. */
const LOOKS: Record<TaskState, { label: string; symbol: string; tone: string }> = {
  pending: { label: 'pending', symbol: '○', tone: 'neutral' },
  running: { label: 'running', symbol: '▶', tone: 'active' },
  succeeded: { label: 'succeeded', symbol: '✓', tone: 'good' },
  failed: { label: 'failed', symbol: '✕', tone: 'bad' },
  skipped: { label: 'skipped', symbol: '–', tone: 'neutral' },
  cancelled: { label: 'cancelled', symbol: '–', tone: 'neutral' },
  rolling_back: { label: 'rolling back', symbol: '↺', tone: 'warning' },
  rolled_back: { label: 'rolled back', symbol: '↺', tone: 'warning' },
  rollback_failed: { label: 'rollback failed', symbol: '✕', tone: 'bad' },
};

export function TaskStateBadge({ state }: { state: TaskState }) {
  const look = LOOKS[state];
  return (
    <span className={`badge badge-${look.tone}`} data-task-state={state}>
      <span aria-hidden="true">{look.symbol}</span> {look.label}
    </span>
  );
}
