import { z } from 'zod';
import type { Actor } from '../core/actor.js';
import type { BusyInterval } from '../core/calendar/busy.js';
import { conflictsOf, type CalendarConflict } from '../core/calendar/conflicts.js';
import { freeSlots, type FreeSlots } from '../core/calendar/free-slots.js';
import type { Interval } from '../core/calendar/intervals.js';
import type { CalendarScope } from '../core/calendar/scope.js';
import { selectApprovalPolicy } from '../core/change/approval-policy.js';
import { evaluateApprovals, type Approval, type ApprovalEvaluation } from '../core/change/approvals.js';
import { CHANGE_STATES, CHANGE_TYPES, transitionChange, type ChangeEvent, type ChangeState } from '../core/change/change-machine.js';
import type { ChangeEventRecord, ChangeRequest } from '../core/change/change-request.js';
import { CLOSE_CODES } from '../core/change/evidence.js';
import { planInputSchema, type PlanDetails } from '../core/change/plan.js';
import { assessRisk } from '../core/change/risk.js';
import { checkApprover } from '../core/change/separation-of-duties.js';
import { assessStandardEligibility, type DeploymentOutcome } from '../core/change/standard-eligibility.js';
import { GantryError } from '../core/errors.js';
import { nameSchema } from '../core/names.js';
import { RefusedTransition } from '../core/state-machine.js';
import * as store from '../store/change-requests.repository.js';
import { listWindows } from '../store/calendar-windows.repository.js';
import { listDeployments, plannedStrategies } from '../store/deployments.repository.js';
import type { AppDeps } from './app-deps.js';
import { planRelease } from './change-plans.js';
import { gatherRiskFacts } from './change-risk-facts.js';
import { parseInput } from './parse-input.js';

/** States whose planned window holds its targets: another change may not overlap them. */
export const BOOKED_STATES: readonly ChangeState[] = ['assess', 'authorize', 'scheduled', 'implement'];

export const changeCreateSchema = z.strictObject({
  app: nameSchema,
  version: nameSchema,
  environment: nameSchema,
  type: z.enum(CHANGE_TYPES).default('normal'),
  title: z.string().trim().min(1).max(200).optional(),
  plan: z.unknown().optional(),
});

export const changeReviseSchema = z
  .strictObject({
  title: z.string().trim().min(1).max(200).optional(),
  /** Deploy another release of the same app: the digest changes, so approvals stop counting. */
  version: nameSchema.optional(),
  /** The whole plan, replacing the old one. */
  plan: z.unknown().optional(),
  /** Only the planned window (what `gantry change schedule` sends). */
  window: z.strictObject({ start: z.string(), end: z.string() }).optional(),
})
  // An edit voids the approvals given so far: one that changes nothing must not do that silently.
  .refine((edit) => Object.values(edit).some((value) => value !== undefined), 'say what to change: title, version, plan or window');

export const changeDecisionSchema = z.strictObject({ comment: z.string().trim().min(1).max(2000).optional() });

export const changeReviewSchema = z.strictObject({
  /** Defaults to the close code the evidence proposes. */
  closeCode: z.enum(CLOSE_CODES).optional(),
  notes: z.string().trim().min(1).max(5000).optional(),
});

export const changeListSchema = z.strictObject({
  state: z.enum(CHANGE_STATES).optional(),
  app: nameSchema.optional(),
  environment: nameSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export async function requireChange(deps: AppDeps, id: string): Promise<ChangeRequest> {
  const change = await store.getChange(deps.db, id);
  if (!change) throw new GantryError('CHANGE_NOT_FOUND', `change ${id} does not exist`, { where: 'id' });
  return change;
}

export async function listChanges(deps: AppDeps, query: z.output<typeof changeListSchema>): Promise<ChangeRequest[]> {
  return store.listChanges(deps.db, { ...(query.state ? { states: [query.state] } : {}), app: query.app, environment: query.environment, limit: query.limit });
}

export async function changeHistory(deps: AppDeps, id: string): Promise<ChangeEventRecord[]> {
  await requireChange(deps, id);
  return store.listChangeEvents(deps.db, id);
}

/** Where the change's approvals stand now, with the deployer (if known) barred like the requester. */
export function approvalStatus(change: ChangeRequest, deployer: string | null = change.deployer): ApprovalEvaluation | null {
  if (change.approvalPolicy === null) return null;
  return evaluateApprovals(change.approvalPolicy, change.approvals, {
    requester: change.requester,
    deployer,
    releaseDigest: change.computed.releaseDigest,
    planVersion: change.planVersion,
  });
}

function parsePlan(input: unknown): PlanDetails {
  return parseInput(planInputSchema, input ?? {}, 'plan');
}

/** The next state, or CHANGE_STATE_INVALID saying what the change's type and state allow. */
function next(change: ChangeRequest, event: ChangeEvent, doing: string): ChangeState {
  try {
    return transitionChange(change.type, change.state, event);
  } catch (error) {
    if (!(error instanceof RefusedTransition)) throw error;
    throw new GantryError('CHANGE_STATE_INVALID', `${change.type} change ${change.id} is ${change.state}: it cannot be ${doing} now`, { where: 'state', state: change.state, type: change.type });
  }
}

/** Writes the change if nobody else did meanwhile; CHANGE_MODIFIED otherwise. */
async function save(deps: AppDeps, before: ChangeRequest, after: ChangeRequest, write: store.ChangeWrite): Promise<ChangeRequest> {
  if (!(await store.updateChange(deps.db, before, after, write))) {
    throw new GantryError('CHANGE_MODIFIED', `change ${before.id} was modified by someone else meanwhile; nothing was written, read it again and retry`, { where: 'id' });
  }
  return requireChange(deps, before.id);
}

function plannedInterval(plan: PlanDetails): Interval | null {
  return plan.window ? { start: new Date(plan.window.start), end: new Date(plan.window.end) } : null;
}

/**
 * Recent outcomes of the standard-change template (app, environment, strategy), newest first.
 * A deployment with another strategy belongs to another template; one that ended before it was
 * planned (so without a strategy) counts against every template, since it failed all the same.
 */
async function recentOutcomes(deps: AppDeps, app: string, environment: string, strategy: string): Promise<DeploymentOutcome[]> {
  const recent = await listDeployments(deps.db, { app, environment, limit: 50 });
  const strategies = await plannedStrategies(deps.db, recent.map((deployment) => deployment.id));
  return recent.flatMap((deployment): DeploymentOutcome[] => {
    const planned = strategies.get(deployment.id);
    if (planned !== undefined && planned !== strategy) return [];
    return deployment.state === 'succeeded' || deployment.state === 'failed' || deployment.state === 'rolled_back' || deployment.state === 'rollback_failed' || deployment.state === 'cancelled'
      ? [{ id: deployment.id, state: deployment.state, kind: deployment.kind }]
      : [];
  });
}

/** Drafts a change request with its plan (state new). A standard change must have earned its template. */
export async function createChange(deps: AppDeps, actor: Actor, input: unknown): Promise<ChangeRequest> {
  const request = parseInput(changeCreateSchema, input, '', 'change');
  const plan = parsePlan(request.plan);
  const { computed } = await planRelease(deps, request.app, request.version, request.environment);
  if (request.type === 'standard') {
    const eligibility = assessStandardEligibility(await recentOutcomes(deps, request.app, request.environment, computed.strategy), deps.changeSettings.standard.requiredStreak);
    if (!eligibility.eligible) {
      const template = `${request.app} in ${request.environment} with ${computed.strategy}`;
      throw new GantryError('CHANGE_NOT_READY', `${template} may not use a standard change: ${eligibility.reason}; file a normal change instead`, { where: 'type' });
    }
  }
  const now = deps.clock.now().toISOString();
  const number = await store.nextChangeNumber(deps.db);
  const change: ChangeRequest = {
    id: `C-${number}`,
    type: request.type,
    state: 'new',
    title: request.title ?? `Deploy ${request.app} ${request.version} to ${request.environment}`,
    requester: actor.user,
    deployer: null,
    plan,
    planVersion: 1,
    computed,
    risk: null,
    approvalPolicy: null,
    approvals: [],
    deploymentId: null,
    evidence: null,
    review: null,
    rowVersion: 1,
    createdAt: now,
    updatedAt: now,
  };
  await store.insertChange(deps.db, change, number, { event: { type: 'change:created', fromState: null, toState: 'new', actor: actor.user, data: { type: change.type } } });
  return requireChange(deps, change.id);
}

/**
 * The calendar's objections to running the change in what is left of its planned window:
 * freezes, outside the targets' maintenance windows, and other booked changes on the same targets.
 */
export async function changeConflicts(deps: AppDeps, change: ChangeRequest, planned: Interval): Promise<CalendarConflict[]> {
  // What has passed of the window can conflict with nothing any more.
  const now = deps.clock.now();
  const ahead = { start: planned.start < now ? now : planned.start, end: planned.end };
  if (ahead.end <= ahead.start) return [];
  const { scope, windows, busy } = await calendarContext(deps, change, ahead);
  return conflictsOf(ahead, scope, windows, busy);
}

async function calendarContext(deps: AppDeps, change: ChangeRequest, around: Interval) {
  const { targets } = await planRelease(deps, change.computed.app, change.computed.version, change.computed.environment);
  const scope: CalendarScope = { app: change.computed.app, environment: change.computed.environment, targets };
  const windows = (await listWindows(deps.db)).map((stored) => stored.window);
  const names = new Set(change.computed.targets);
  const others = await store.listChangesInWindow(deps.db, around.start, around.end, BOOKED_STATES);
  const busy: BusyInterval[] = others
    .filter((other) => other.id !== change.id && other.computed.targets.some((target) => names.has(target)))
    .map((other) => ({
      start: new Date(other.plan.window!.start),
      end: new Date(other.plan.window!.end),
      what: `change ${other.id} on ${other.computed.targets.filter((target) => names.has(target)).join(', ')}`,
    }));
  return { scope, windows, busy };
}

/**
 * Refuses to book the change when the calendar objects. An emergency change may run outside the
 * maintenance windows (that is what makes it one; its risk counts it) but not into a freeze or
 * onto targets another change holds.
 */
function refuseConflicts(change: ChangeRequest, found: readonly CalendarConflict[]): void {
  const conflicts = change.type === 'emergency' ? found.filter((conflict) => conflict.kind !== 'outside_maintenance') : found;
  if (conflicts.length === 0) return;
  throw new GantryError(
    'CONFLICT',
    `change ${change.id} cannot run in its planned window: ${conflicts.map((conflict) => conflict.cause).join('; ')}; gantry change next-slot ${change.id} proposes free windows`,
    { where: 'window', conflicts: conflicts.map((conflict) => ({ kind: conflict.kind, cause: conflict.cause })) },
  );
}

/** Risk and approval policy for the change as it is now. */
async function assess(deps: AppDeps, change: ChangeRequest): Promise<Pick<ChangeRequest, 'risk' | 'approvalPolicy'>> {
  const release = await planRelease(deps, change.computed.app, change.computed.version, change.computed.environment);
  const facts = await gatherRiskFacts(deps, release, { changeType: change.type, window: plannedInterval(change.plan), now: deps.clock.now() });
  const risk = assessRisk(facts, deps.changeSettings.risk);
  const approvalPolicy = selectApprovalPolicy(deps.changeSettings.approvals, { environment: change.computed.environment, risk: risk.level, changeType: change.type });
  return { risk, approvalPolicy };
}

/**
 * Edits the change: title, release, plan or planned window. Before implementation only. The plan
 * version goes up, so approvals given before stop counting; after submission the risk is assessed
 * again, and a normal or emergency change that was authorised goes back to authorisation.
 */
export async function reviseChange(deps: AppDeps, actor: Actor, id: string, input: unknown): Promise<ChangeRequest> {
  const request = parseInput(changeReviseSchema, input, '', 'change');
  const change = await requireChange(deps, id);
  const state = next(change, 'revise', 'edited');
  let plan = request.plan === undefined ? change.plan : parsePlan(request.plan);
  if (request.window) plan = parsePlan({ ...plan, window: request.window });
  const version = request.version ?? change.computed.version;
  const computed = request.version === undefined ? change.computed : (await planRelease(deps, change.computed.app, version, change.computed.environment)).computed;
  const edited: ChangeRequest = { ...change, state, title: request.title ?? change.title, plan, computed, planVersion: change.planVersion + 1, updatedAt: deps.clock.now().toISOString() };
  const planned = plannedInterval(plan);
  if (state !== 'new' && planned) refuseConflicts(edited, await changeConflicts(deps, edited, planned));
  const assessed = state === 'new' ? edited : { ...edited, ...(await assess(deps, edited)) };
  const changed = [request.title && 'title', request.version && 'release', request.plan !== undefined && 'plan', request.window && 'window'].filter(Boolean);
  return save(deps, change, assessed, {
    event: { type: 'change:revised', fromState: change.state, toState: state, actor: actor.user, data: { changed, planVersion: edited.planVersion, approvalsReset: change.approvals.length > 0 } },
  });
}

/**
 * Hands the change in. Gantry assesses it at once (risk from what it knows, conflicts with the
 * calendar) and asks for approval: a normal change passes through `assess` to `authorize`, an
 * emergency change goes to `authorize`, a standard change straight to `scheduled`. A policy
 * without requirements authorises it on the spot. The planned window must be set.
 */
export async function submitChange(deps: AppDeps, actor: Actor, id: string): Promise<ChangeRequest> {
  let change = await requireChange(deps, id);
  const planned = plannedInterval(change.plan);
  const submitted = next(change, 'submit', 'submitted');
  if (!planned) throw new GantryError('CHANGE_NOT_READY', `change ${id} has no planned window: set one with gantry change schedule ${id} --start … --end …`, { where: 'plan.window' });
  refuseConflicts(change, await changeConflicts(deps, change, planned));
  const assessed = await assess(deps, change);
  const now = deps.clock.now().toISOString();
  change = await save(deps, change, { ...change, ...assessed, state: submitted, updatedAt: now }, {
    event: { type: 'change:submitted', fromState: change.state, toState: submitted, actor: actor.user, data: { risk: assessed.risk?.level, score: assessed.risk?.score, policy: assessed.approvalPolicy?.name } },
  });
  if (change.state === 'assess') {
    const authorize = next(change, 'requestApproval', 'sent for approval');
    change = await save(deps, change, { ...change, state: authorize, updatedAt: now }, {
      event: { type: 'change:assessed', fromState: 'assess', toState: authorize, actor: 'gantry', data: { reasons: assessed.risk?.reasons ?? [] } },
    });
  }
  if (change.state === 'authorize' && approvalStatus(change)?.status === 'approved') {
    change = await save(deps, change, { ...change, state: next(change, 'approve', 'approved'), updatedAt: now }, {
      event: { type: 'change:approved', fromState: 'authorize', toState: 'scheduled', actor: 'gantry', data: { why: `policy ${change.approvalPolicy?.name} needs no approvals` } },
    });
  }
  return change;
}

/**
 * One person's approval or rejection. The requester (and the deployer, once known) may not
 * decide; someone in none of the groups the policy needs is refused rather than ignored. When
 * the policy is satisfied the change is scheduled; one eligible rejection rejects it.
 */
export async function decideChange(deps: AppDeps, actor: Actor, id: string, decision: 'approve' | 'reject', input: unknown): Promise<ChangeRequest> {
  const { comment } = parseInput(changeDecisionSchema, input ?? {}, '', 'decision');
  const change = await requireChange(deps, id);
  if (change.state !== 'authorize') next(change, decision, decision === 'approve' ? 'approved' : 'rejected');
  requireEligibleApprover(change, actor);
  const now = deps.clock.now().toISOString();
  const approval: Approval = { by: actor.user, groups: actor.groups, at: now, releaseDigest: change.computed.releaseDigest, planVersion: change.planVersion, decision, ...(comment ? { comment } : {}) };
  const recorded = { ...change, approvals: [...change.approvals, approval], updatedAt: now };
  const status = approvalStatus(recorded)!.status;
  const state = status === 'approved' ? next(change, 'approve', 'approved') : status === 'rejected' ? next(change, 'reject', 'rejected') : change.state;
  return save(deps, change, { ...recorded, state }, {
    event: { type: decision === 'approve' ? 'change:approved-by' : 'change:rejected-by', fromState: change.state, toState: state, actor: actor.user, data: { status, ...(comment ? { comment } : {}) } },
    approval,
  });
}

/**
 * An approver returns the change to its requester for rework without rejecting it: it goes back
 * to `new`, and the plan version goes up, so decisions given so far stop counting.
 */
export async function sendBackChange(deps: AppDeps, actor: Actor, id: string, input: unknown): Promise<ChangeRequest> {
  const { comment } = parseInput(changeDecisionSchema, input ?? {}, '', 'decision');
  const change = await requireChange(deps, id);
  const state = next(change, 'sendBack', 'sent back');
  requireEligibleApprover(change, actor);
  return save(deps, change, { ...change, state, planVersion: change.planVersion + 1, updatedAt: deps.clock.now().toISOString() }, {
    event: { type: 'change:sent-back', fromState: change.state, toState: state, actor: actor.user, data: { ...(comment ? { comment } : {}) } },
  });
}

/** Someone who may decide on the change: a person, not its requester or deployer, and in a group its policy needs. */
function requireEligibleApprover(change: ChangeRequest, actor: Actor): void {
  if (actor.service) {
    throw new GantryError('APPROVER_NOT_ELIGIBLE', `${actor.user} is a service account: approving a change is for people, so that no pipeline waves its own change through`, { where: 'by' });
  }
  checkApprover({ by: actor.user, groups: actor.groups }, { requester: change.requester, deployer: change.deployer });
  const required = [...new Set((change.approvalPolicy?.requirements ?? []).map((requirement) => requirement.group))];
  if (!actor.groups.some((group) => required.includes(group))) {
    throw new GantryError('APPROVER_NOT_ELIGIBLE', `${actor.user} is in none of the groups change ${change.id} needs (${required.join(', ') || 'none'}); their groups: ${actor.groups.join(', ') || 'none'}`, { where: 'by', required });
  }
}

export async function cancelChange(deps: AppDeps, actor: Actor, id: string): Promise<ChangeRequest> {
  const change = await requireChange(deps, id);
  const state = next(change, 'cancel', 'cancelled (a change being implemented is stopped by cancelling its deployment)');
  return save(deps, change, { ...change, state, updatedAt: deps.clock.now().toISOString() }, { event: { type: 'change:cancelled', fromState: change.state, toState: state, actor: actor.user } });
}

/**
 * The post-implementation review: a reviewer confirms (or corrects) the close code the evidence
 * proposes. The requester may review their own change; the record names who did.
 */
export async function reviewChange(deps: AppDeps, actor: Actor, id: string, input: unknown): Promise<ChangeRequest> {
  const request = parseInput(changeReviewSchema, input ?? {}, '', 'review');
  const change = await requireChange(deps, id);
  const state = next(change, 'close', 'closed (it must have been implemented and be in review)');
  const proposed = change.evidence?.proposal.closeCode ?? 'unsuccessful';
  const review = { closeCode: request.closeCode ?? proposed, proposedCloseCode: proposed, reviewer: actor.user, notes: request.notes ?? null, at: deps.clock.now().toISOString() };
  return save(deps, change, { ...change, state, review, updatedAt: review.at }, {
    event: { type: 'change:closed', fromState: change.state, toState: state, actor: actor.user, data: { closeCode: review.closeCode, proposedCloseCode: proposed } },
  });
}

/** The next free windows for the change, as long as its planned window (or `durationMs`), up to 90 days ahead. */
export async function nextSlots(deps: AppDeps, id: string, durationMs?: number): Promise<FreeSlots> {
  const change = await requireChange(deps, id);
  const planned = plannedInterval(change.plan);
  const duration = durationMs ?? (planned ? planned.end.getTime() - planned.start.getTime() : 3_600_000);
  const from = deps.clock.now();
  const horizon = { start: from, end: new Date(from.getTime() + 90 * 86_400_000) };
  const { scope, windows, busy } = await calendarContext(deps, change, horizon);
  return freeSlots({ from, durationMs: duration, windows, scope, busy, horizonDays: 90 });
}
