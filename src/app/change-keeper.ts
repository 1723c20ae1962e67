import { GANTRY_ACTOR } from '../core/actor.js';
import { transitionChange } from '../core/change/change-machine.js';
import type { ChangeRequest } from '../core/change/change-request.js';
import { buildEvidence } from '../core/change/evidence.js';
import { TERMINAL_DEPLOYMENT_STATES } from '../core/deployment/deployment-machine.js';
import { isGantryError } from '../core/errors.js';
import * as store from '../store/change-requests.repository.js';
import * as deployments from '../store/deployments.repository.js';
import type { AppDeps } from './app-deps.js';
import { startDeployment } from './deployments.js';
import { requireUserMayStill } from './users.js';

/**
 * The change calendar's own work, done on every tick by every node (all state is in the store,
 * so a restart or another node carries on):
 * - a scheduled change whose window has opened starts its deployment, as `gantry` (unless its
 *   plan says someone starts it by hand, or its requester has since been disabled or lost the
 *   change permission there: then it is held, with a `change:start-held` event);
 * - a change whose deployment has ended goes to review with its evidence bundle.
 * Two nodes racing for the same change are resolved by the change's row version: one wins,
 * the other's deployment is never inserted.
 */
export async function keepChanges(deps: AppDeps, log: { warn(object: object, message: string): void }): Promise<void> {
  for (const change of await store.listChangesWithEndedDeployments(deps.db, TERMINAL_DEPLOYMENT_STATES)) {
    await finishImplementation(deps, change).catch((error: unknown) => log.warn({ err: error, change: change.id }, 'could not move the change to review; will retry'));
  }
  for (const change of (await store.listDueChanges(deps.db, deps.clock.now())).filter((due) => due.plan.autoStart)) {
    await startScheduled(deps, change).catch((error: unknown) => log.warn({ err: error, change: change.id }, 'could not start the scheduled change; will retry'));
  }
}

async function startScheduled(deps: AppDeps, change: ChangeRequest): Promise<void> {
  const { app, version, environment } = change.computed;
  try {
    // It runs on its requester's behalf: a requester disabled, or without the change permission
    // there any more, since they asked does not get it started (held, and said in its history).
    await requireUserMayStill(deps, change.requester, 'change', { app, environment }, `change ${change.id} is not started on behalf of ${change.requester}`);
    await startDeployment(deps, GANTRY_ACTOR, { app, version, environment, force: false, change: change.id });
  } catch (error) {
    if (!isGantryError(error) || error.code === 'CHANGE_MODIFIED') throw error;
    // It waits (a freeze, an open checklist item) and is tried again on the next tick; said once per reason.
    const last = await store.lastChangeEvent(deps.db, change.id);
    const data = { code: error.code, message: error.message };
    if (last?.type === 'change:start-held' && last.data.code === data.code && last.data.message === data.message) return;
    await store.appendChangeEvent(deps.db, change.id, { type: 'change:start-held', fromState: change.state, toState: change.state, actor: GANTRY_ACTOR.user, data }, deps.clock.now().toISOString());
  }
}

async function finishImplementation(deps: AppDeps, change: ChangeRequest): Promise<void> {
  const id = change.deploymentId!;
  const deployment = deployments.assertDeploymentFound(await deployments.getDeployment(deps.db, id), id);
  const events = [];
  for (let page = await deployments.listEvents(deps.db, id, 0); page.length > 0; page = await deployments.listEvents(deps.db, id, page.at(-1)!.seq)) events.push(...page);
  const measurements = [];
  for (let page = await deployments.listMeasurements(deps.db, id, 0); page.length > 0; page = await deployments.listMeasurements(deps.db, id, page.at(-1)!.seq)) measurements.push(...page);
  const evidence = buildEvidence({ deployment, tasks: await deployments.listTasks(deps.db, id), events, measurements, approvals: change.approvals, plannedWindow: change.plan.window ?? null });
  const state = transitionChange(change.type, change.state, 'finish');
  const now = deps.clock.now().toISOString();
  // Lost to another node (or a concurrent edit): the next tick sees the change as it is now.
  await store.updateChange(deps.db, change, { ...change, state, evidence, updatedAt: now }, {
    event: { type: 'change:implemented', fromState: change.state, toState: state, actor: GANTRY_ACTOR.user, data: { deployment: id, outcome: deployment.state, proposedCloseCode: evidence.proposal.closeCode } },
  });
}
