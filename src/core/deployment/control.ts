import { GantryError } from '../errors.js';
import { isTerminalDeploymentState, type DeploymentState } from './deployment-machine.js';

/**
 * What a person can ask of a rollout in progress, besides cancel: `promote` past the gate it
 * waits at, `pause` before the next batch, `resume` a pause, `abort` (roll back what was switched).
 * Requests are stored on the deployment and acted on by the engine at the next batch boundary,
 * except abort, which also stops the steps under way.
 */
export const CONTROL_REQUESTS = ['promote', 'pause', 'resume', 'abort'] as const;
export type ControlRequest = (typeof CONTROL_REQUESTS)[number];

/** Refuses a request the deployment's state cannot take, with the reason; queued aborts are cancels. */
export function checkControlRequest(id: string, state: DeploymentState, request: ControlRequest): 'store' | 'cancel-queued' {
  if (isTerminalDeploymentState(state)) throw new GantryError('DEPLOYMENT_FINISHED', `deployment ${id} already ended (${state}); there is nothing to ${request}`, { where: 'id' });
  if (state === 'rolling_back') throw new GantryError('DEPLOYMENT_ROLLING_BACK', `deployment ${id} is rolling back; it cannot be ${pastTense(request)} now`, { where: 'id' });
  if ((request === 'promote' || request === 'resume') && state !== 'paused') {
    throw new GantryError('DEPLOYMENT_NOT_PAUSED', `deployment ${id} is ${state}, not paused: there is nothing to ${request}`, { where: 'id' });
  }
  // Nothing of a queued deployment was switched: aborting it is cancelling it.
  return request === 'abort' && state === 'queued' ? 'cancel-queued' : 'store';
}

function pastTense(request: ControlRequest): string {
  return { promote: 'promoted', pause: 'paused', resume: 'resumed', abort: 'aborted' }[request];
}
