import { requireTransition, type TransitionTable } from '../state-machine.js';

export const DEPLOYMENT_STATES = ['queued', 'running', 'paused', 'rolling_back', 'succeeded', 'failed', 'rolled_back', 'rollback_failed', 'cancelled'] as const;
export type DeploymentState = (typeof DEPLOYMENT_STATES)[number];

export const DEPLOYMENT_EVENTS = ['start', 'pause', 'resume', 'succeed', 'fail', 'beginRollback', 'finishRollback', 'failRollback', 'cancel'] as const;
export type DeploymentEvent = (typeof DEPLOYMENT_EVENTS)[number];

export const DEPLOYMENT_MACHINE: TransitionTable<DeploymentState, DeploymentEvent> = {
  queued: { start: 'running', fail: 'failed', cancel: 'cancelled' },
  running: { pause: 'paused', succeed: 'succeeded', fail: 'failed', beginRollback: 'rolling_back', cancel: 'cancelled' },
  // Paused between batches (a canary pause, an inconclusive analysis, `gantry pause`): no step runs
  // and no lease is held, but the app/environment stays locked. `abort` rolls back from here.
  paused: { resume: 'running', fail: 'failed', beginRollback: 'rolling_back', cancel: 'cancelled' },
  // A rollback is not cancellable: stopping it half-way would leave targets split between releases.
  rolling_back: { finishRollback: 'rolled_back', failRollback: 'rollback_failed' },
  succeeded: {},
  failed: {},
  rolled_back: {},
  rollback_failed: {},
  cancelled: {},
};

export function transitionDeployment(state: DeploymentState, event: DeploymentEvent): DeploymentState {
  return requireTransition('deployment', DEPLOYMENT_MACHINE, state, event);
}

export const TERMINAL_DEPLOYMENT_STATES: readonly DeploymentState[] = ['succeeded', 'failed', 'rolled_back', 'rollback_failed', 'cancelled'];

export function isTerminalDeploymentState(state: DeploymentState): boolean {
  return TERMINAL_DEPLOYMENT_STATES.includes(state);
}
