import { describeInterval, describeInstant } from '../calendar/describe-time.js';
import type { CalendarScope } from '../calendar/scope.js';
import { activeFreeze, isInsideMaintenance } from '../calendar/window-queries.js';
import type { CalendarWindow } from '../calendar/window.js';
import { evaluateApprovals } from './approvals.js';
import type { ChangeRequest } from './change-request.js';
import { unreadyItems } from './plan.js';

/**
 * Whether a change may deploy now: asked when its deployment starts and again before every
 * batch (issue 5: "the check is repeated before every batch, not only at start"). At the start
 * the change must be authorised (scheduled, its approvals still valid with the deployer barred,
 * its readiness checklist done or waived); before a batch it must be under way. Both times the
 * planned window must contain the instant, no freeze may cover the targets, and the targets
 * with maintenance windows must be inside one (unless the change is an emergency).
 */
export type ClearanceCode = 'CHANGE_NOT_AUTHORISED' | 'CHANGE_NOT_READY' | 'OUTSIDE_WINDOW' | 'FREEZE_ACTIVE';

export type Clearance =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly code: ClearanceCode;
      readonly reason: string;
      /** When the obstacle lifts by itself inside the change's window (a freeze ending); null when it does not. */
      readonly until: Date | null;
    };

export interface ClearanceQuery {
  readonly change: ChangeRequest;
  readonly phase: 'start' | 'batch';
  /** Who deploys: barred from having approved, like the requester. */
  readonly deployer: string | null;
  readonly now: Date;
  readonly windows: readonly CalendarWindow[];
  /** What is about to be touched: the whole environment at the start, the batch's targets before a batch. */
  readonly scope: CalendarScope;
}

const refuse = (code: ClearanceCode, reason: string, until: Date | null = null): Clearance => ({ ok: false, code, reason, until });

export function clearChange(query: ClearanceQuery): Clearance {
  const { change, now } = query;
  const authority = query.phase === 'start' ? authorised(query) : underWay(query);
  if (authority) return authority;

  const window = change.plan.window;
  if (!window) return refuse('CHANGE_NOT_READY', `change ${change.id} has no planned window`);
  const planned = { start: new Date(window.start), end: new Date(window.end) };
  if (now < planned.start || now >= planned.end) {
    return refuse('OUTSIDE_WINDOW', `change ${change.id} may run ${describeInterval(planned)}, and it is ${describeInstant(now)}`);
  }
  const freeze = activeFreeze(now, query.windows, query.scope);
  if (freeze) {
    const ends = freeze.occurrence.end;
    const lifts = ends < planned.end;
    return refuse(
      'FREEZE_ACTIVE',
      `freeze "${freeze.window.name}" is in force until ${describeInstant(ends)}${lifts ? '' : `, past the end of change ${change.id}'s window`}`,
      lifts ? ends : null,
    );
  }
  // An emergency change may run outside the maintenance windows (it was booked knowing so).
  if (change.type !== 'emergency' && !isInsideMaintenance(now, query.windows, query.scope)) {
    const targets = query.scope.targets.map((target) => target.name).join(', ');
    return refuse('OUTSIDE_WINDOW', `${targets || query.scope.environment} ${query.scope.targets.length === 1 ? 'is' : 'are'} outside every maintenance window at ${describeInstant(now)}`);
  }
  return { ok: true };
}

function authorised({ change, deployer }: ClearanceQuery): Clearance | null {
  if (change.state !== 'scheduled') {
    return refuse('CHANGE_NOT_AUTHORISED', `change ${change.id} is ${change.state}, not scheduled: ${change.state === 'authorize' ? 'it is still waiting for approval' : 'it is not authorised to start'}`);
  }
  if (change.type !== 'standard') {
    const policy = change.approvalPolicy;
    if (!policy) return refuse('CHANGE_NOT_AUTHORISED', `change ${change.id} has no approval policy`);
    const evaluation = evaluateApprovals(policy, change.approvals, { requester: change.requester, deployer, releaseDigest: change.computed.releaseDigest, planVersion: change.planVersion });
    if (evaluation.status !== 'approved') {
      const barred = evaluation.ignored.filter((entry) => entry.reason === 'deployer').map((entry) => entry.why);
      const missing = evaluation.missing.map((entry) => `${entry.needed} more from ${entry.group}`).join(', ');
      return refuse('CHANGE_NOT_AUTHORISED', `change ${change.id}'s approvals do not hold for this deployment: ${[...barred, missing && `it needs ${missing}`].filter(Boolean).join('; ')}`);
    }
  }
  const open = unreadyItems(change.plan.checklist);
  if (open.length > 0) return refuse('CHANGE_NOT_READY', `change ${change.id} is not ready: ${open.join('; ')}`);
  return null;
}

function underWay({ change }: ClearanceQuery): Clearance | null {
  if (change.state === 'implement') return null;
  return refuse('CHANGE_NOT_AUTHORISED', `change ${change.id} is ${change.state}, no longer being implemented`);
}
