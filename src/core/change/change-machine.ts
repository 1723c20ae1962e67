import { requireTransition, type TransitionTable } from '../state-machine.js';

/**
 * A change request's type decides its path (ServiceNow's change model, see
 * research/itsm-anchors.md §1.1): a *standard* change is pre-authorised by its template and
 * goes straight to the schedule; a *normal* change is assessed, then authorised by the approval
 * policy; an *emergency* change skips assessment but is still authorised (by the emergency group)
 * and still reviewed afterwards.
 */
export const CHANGE_TYPES = ['standard', 'normal', 'emergency'] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];

export const CHANGE_STATES = ['new', 'assess', 'authorize', 'scheduled', 'implement', 'review', 'closed', 'cancelled', 'rejected'] as const;
export type ChangeState = (typeof CHANGE_STATES)[number];

/**
 * - `submit`: the requester hands the change in; where it goes depends on the type.
 * - `requestApproval`: assessment is done (risk, conflicts, readiness checked); approvers are asked.
 * - `sendBack`: an assessor or approver returns the change to its requester for rework, without
 *   rejecting it. Decisions already given are void (the plan version changes on rework).
 * - `approve` / `reject`: the approval policy is satisfied / an eligible approver rejected
 *   (`evaluateApprovals` decides which; one person's approval is a record, not this event).
 * - `revise`: the plan, release or window was edited. Before implementation this is allowed, and
 *   after authorisation it sends a normal or emergency change back to `authorize`: edits after
 *   approval reset approvals (the edit also bumps the plan version, so the old approvals stop
 *   counting). A standard change stays `scheduled`: its authority is the template, not a vote.
 *   Once implementation has started nothing can be edited.
 * - `start`: the deployment started (at the window start, or by hand inside the window).
 * - `finish`: the deployment ended, whatever its outcome; the post-implementation review begins.
 * - `close`: a reviewer confirmed the close code.
 * - `cancel`: withdrawn before implementation. A running deployment is cancelled instead, and its
 *   end brings the change to review like any other end: what ran must be reviewed.
 */
export const CHANGE_EVENTS = ['submit', 'requestApproval', 'sendBack', 'approve', 'reject', 'revise', 'start', 'finish', 'close', 'cancel'] as const;
export type ChangeEvent = (typeof CHANGE_EVENTS)[number];

/** The full path: assessed, authorised by the approval policy, scheduled, implemented, reviewed. */
export const NORMAL_CHANGE_MACHINE: TransitionTable<ChangeState, ChangeEvent> = {
  new: { submit: 'assess', revise: 'new', cancel: 'cancelled' },
  assess: { requestApproval: 'authorize', sendBack: 'new', revise: 'assess', cancel: 'cancelled' },
  authorize: { approve: 'scheduled', reject: 'rejected', sendBack: 'new', revise: 'authorize', cancel: 'cancelled' },
  scheduled: { revise: 'authorize', start: 'implement', cancel: 'cancelled' },
  implement: { finish: 'review' },
  review: { close: 'closed' },
  closed: {},
  cancelled: {},
  rejected: {},
};

/** Fast path: no assessment, but authorisation and the review are not optional. */
export const EMERGENCY_CHANGE_MACHINE: TransitionTable<ChangeState, ChangeEvent> = {
  new: { submit: 'authorize', revise: 'new', cancel: 'cancelled' },
  assess: {},
  authorize: { approve: 'scheduled', reject: 'rejected', sendBack: 'new', revise: 'authorize', cancel: 'cancelled' },
  scheduled: { revise: 'authorize', start: 'implement', cancel: 'cancelled' },
  implement: { finish: 'review' },
  review: { close: 'closed' },
  closed: {},
  cancelled: {},
  rejected: {},
};

/** Pre-authorised by its template: nobody votes, so nothing can reject it or send it back. */
export const STANDARD_CHANGE_MACHINE: TransitionTable<ChangeState, ChangeEvent> = {
  new: { submit: 'scheduled', revise: 'new', cancel: 'cancelled' },
  assess: {},
  authorize: {},
  scheduled: { revise: 'scheduled', start: 'implement', cancel: 'cancelled' },
  implement: { finish: 'review' },
  review: { close: 'closed' },
  closed: {},
  cancelled: {},
  rejected: {},
};

export const CHANGE_MACHINES: Readonly<Record<ChangeType, TransitionTable<ChangeState, ChangeEvent>>> = {
  standard: STANDARD_CHANGE_MACHINE,
  normal: NORMAL_CHANGE_MACHINE,
  emergency: EMERGENCY_CHANGE_MACHINE,
};

/** The next state of a change of this type, or `RefusedTransition` naming the type, state and event. */
export function transitionChange(type: ChangeType, state: ChangeState, event: ChangeEvent): ChangeState {
  return requireTransition(`${type} change`, CHANGE_MACHINES[type], state, event);
}

export const TERMINAL_CHANGE_STATES: readonly ChangeState[] = ['closed', 'cancelled', 'rejected'];

export function isTerminalChangeState(state: ChangeState): boolean {
  return TERMINAL_CHANGE_STATES.includes(state);
}
