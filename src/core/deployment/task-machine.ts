import { requireTransition, type TransitionTable } from '../state-machine.js';

/** A task is one target's part in a deployment. */
export const TASK_STATES = ['pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled', 'rolling_back', 'rolled_back', 'rollback_failed'] as const;
export type TaskState = (typeof TASK_STATES)[number];

export const TASK_EVENTS = ['start', 'succeed', 'fail', 'skip', 'cancel', 'beginRollback', 'finishRollback', 'failRollback'] as const;
export type TaskEvent = (typeof TASK_EVENTS)[number];

export const TASK_MACHINE: TransitionTable<TaskState, TaskEvent> = {
  pending: { start: 'running', skip: 'skipped', cancel: 'cancelled' },
  running: { succeed: 'succeeded', fail: 'failed', cancel: 'cancelled' },
  // Only a target that was switched to the new release is rolled back; the engine checks that.
  succeeded: { beginRollback: 'rolling_back' },
  failed: { beginRollback: 'rolling_back' },
  cancelled: {},
  skipped: {},
  rolling_back: { finishRollback: 'rolled_back', failRollback: 'rollback_failed' },
  rolled_back: {},
  rollback_failed: {},
};

export function transitionTask(state: TaskState, event: TaskEvent): TaskState {
  return requireTransition('task', TASK_MACHINE, state, event);
}

/** The steps of a task, in order. Each is idempotent: running it twice leaves the same state. */
export const DEPLOY_STEPS = ['upload', 'unpack', 'configure', 'beforeInstall', 'afterInstall', 'beforeActivate', 'activate', 'afterActivate', 'health', 'prune'] as const;
export type DeployStep = (typeof DEPLOY_STEPS)[number];

/** The steps that put a target back on its previous release. */
export const ROLLBACK_STEPS = ['revert', 'afterActivate', 'health'] as const;
export type RollbackStep = (typeof ROLLBACK_STEPS)[number];

/**
 * The steps of a patch rollout on one target: upgrade the packages, run the live release's health
 * checks, then read back the installed versions and whether a reboot is needed. Nothing is put
 * back on failure (packages are not downgraded), so none of them counts as activating a release.
 */
export const PATCH_STEPS = ['upgrade', 'verify', 'inventory'] as const;
export type PatchStep = (typeof PATCH_STEPS)[number];

export type StepName = DeployStep | RollbackStep | PatchStep;

/**
 * Whether a target may have been switched to the new release, given the last deploy step that
 * was started on it (finished or not). A switch is atomic, so once `activate` has started the
 * target is on one release or the other, and putting it back is always safe.
 */
export function mayBeActivated(step: DeployStep | null): boolean {
  return step !== null && DEPLOY_STEPS.indexOf(step) >= DEPLOY_STEPS.indexOf('activate');
}
