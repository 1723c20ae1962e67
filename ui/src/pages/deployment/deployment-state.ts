import type { DeploymentDetailDto, DeploymentDto } from '../../../../src/client/api-client.js';

export type DeploymentState = DeploymentDto['state'];
export type TaskDto = DeploymentDetailDto['tasks'][number];

const FINISHED: ReadonlySet<DeploymentState> = new Set(['succeeded', 'failed', 'rolled_back', 'rollback_failed', 'cancelled']);
const WENT_WRONG: ReadonlySet<DeploymentState> = new Set(['failed', 'rolled_back', 'rollback_failed']);

/** The deployment has ended: nothing more will happen to it. */
export function isFinished(state: DeploymentState): boolean {
  return FINISHED.has(state);
}

/** It ended badly (its reason is then an alert). */
export function wentWrong(state: DeploymentState): boolean {
  return WENT_WRONG.has(state);
}
