import type { Actor } from '../core/actor.js';
import type { CalendarScope } from '../core/calendar/scope.js';
import type { ChangeRequest } from '../core/change/change-request.js';
import { clearChange, type Clearance } from '../core/change/clearance.js';
import { GantryError } from '../core/errors.js';
import type { Deployment, Target } from '../core/model.js';
import type { BatchClearance, ChangeControl } from '../engine/ports.js';
import { listWindows } from '../store/calendar-windows.repository.js';
import * as store from '../store/change-requests.repository.js';
import { listTargets } from '../store/targets.repository.js';
import type { AppDeps } from './app-deps.js';
import { requireChange } from './changes.js';

/** What a deployment request names, as far as change control cares. */
export interface ChangeClaim {
  readonly app: string;
  readonly version: string;
  readonly environment: string;
  /** `C-12`; when omitted, the scheduled change for this release whose window is open now. */
  readonly change?: string | undefined;
}

function scopeOf(app: string, environment: string, targets: readonly Target[]): CalendarScope {
  return { app, environment, targets: targets.map((target) => ({ name: target.name, labels: target.labels })) };
}

async function findChange(deps: AppDeps, claim: ChangeClaim): Promise<ChangeRequest> {
  if (claim.change !== undefined) {
    const change = await requireChange(deps, claim.change);
    const { app, version, environment } = change.computed;
    if (app !== claim.app || version !== claim.version || environment !== claim.environment) {
      throw new GantryError('CHANGE_NOT_AUTHORISED', `change ${change.id} deploys ${app} ${version} to ${environment}, not ${claim.app} ${claim.version} to ${claim.environment}`, { where: 'change' });
    }
    return change;
  }
  const now = deps.clock.now();
  const candidates = (await store.listChanges(deps.db, { states: ['scheduled'], app: claim.app, environment: claim.environment, limit: 50 })).filter((change) => change.computed.version === claim.version);
  const open = candidates.find((change) => change.plan.window && new Date(change.plan.window.start) <= now && now < new Date(change.plan.window.end));
  const found = open ?? candidates[0];
  if (!found) {
    throw new GantryError(
      'CHANGE_NOT_AUTHORISED',
      `${claim.environment} is protected: deploying ${claim.app} ${claim.version} there needs an authorised change request (gantry change create ${claim.app} ${claim.version} --to ${claim.environment}), and none is scheduled`,
      { where: 'change' },
    );
  }
  return found;
}

function refusal(clearance: Exclude<Clearance, { ok: true }>): GantryError {
  return new GantryError(clearance.code, clearance.reason, { where: 'change', ...(clearance.until ? { until: clearance.until.toISOString() } : {}) });
}

/**
 * The change a deployment to a protected environment implements, checked for the start: it is
 * authorised, its approvals hold with `actor` as the deployer, it is ready, its window is open
 * and no freeze covers the targets. Throws the reason (CHANGE_NOT_AUTHORISED, CHANGE_NOT_READY,
 * OUTSIDE_WINDOW, FREEZE_ACTIVE) otherwise.
 */
export async function authoriseDeployment(deps: AppDeps, actor: Actor, claim: ChangeClaim, targets: readonly Target[]): Promise<ChangeRequest> {
  const change = await findChange(deps, claim);
  const windows = (await listWindows(deps.db)).map((stored) => stored.window);
  const clearance = clearChange({ change, phase: 'start', deployer: actor.user, now: deps.clock.now(), windows, scope: scopeOf(claim.app, claim.environment, targets) });
  if (!clearance.ok) throw refusal(clearance);
  return change;
}

/** The change becomes `implement` with its deployment, in the caller's transaction; CHANGE_MODIFIED if it moved meanwhile. */
export async function startImplementation(db: AppDeps['db'], change: ChangeRequest, actor: Actor, deploymentId: string, now: string): Promise<void> {
  const started: ChangeRequest = { ...change, state: 'implement', deployer: actor.user, deploymentId, updatedAt: now };
  const saved = await store.updateChange(db, change, started, { event: { type: 'change:started', fromState: change.state, toState: 'implement', actor: actor.user, data: { deployment: deploymentId } } });
  if (!saved) throw new GantryError('CHANGE_MODIFIED', `change ${change.id} was modified while its deployment was being started; nothing was started, try again`, { where: 'change' });
}

/**
 * The engine's question before every batch of a deployment that implements a change: may the
 * batch start now? A freeze that lifts inside the window pauses the deployment until it lifts;
 * anything else pauses it until someone resumes it (or rolls it back, when the settings say a
 * closed window rolls back).
 */
export function createChangeControl(deps: AppDeps): ChangeControl {
  return {
    async clearBatch(deployment: Deployment, targets: readonly string[]): Promise<BatchClearance> {
      if (deployment.changeId === null) return { go: true };
      const change = await requireChange(deps, deployment.changeId);
      const names = new Set(targets);
      const batchTargets = (await listTargets(deps.db)).filter((target) => names.has(target.name));
      const windows = (await listWindows(deps.db)).map((stored) => stored.window);
      const clearance = clearChange({ change, phase: 'batch', deployer: change.deployer, now: deps.clock.now(), windows, scope: scopeOf(deployment.app, deployment.environment, batchTargets) });
      if (clearance.ok) return { go: true };
      const rollback = clearance.code === 'OUTSIDE_WINDOW' && deps.changeSettings.windowEnd === 'rollback';
      return { go: false, code: clearance.code, reason: `change ${change.id}: ${clearance.reason}`, resumeAt: clearance.until?.toISOString() ?? null, then: rollback ? 'rollback' : 'pause' };
    },
  };
}
