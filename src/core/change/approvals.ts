import type { ApprovalPolicy } from './approval-policy.js';
import { roleBarringApproval, type ChangeParties } from './separation-of-duties.js';

/**
 * One person's decision on a change. It is bound to what they saw: the release digest and the
 * plan version. `groups` are the approver's groups when they decided, kept so that the record
 * explains itself later even if their membership changes.
 */
export interface Approval {
  readonly by: string;
  readonly groups: readonly string[];
  /** ISO-8601 UTC, from the injected clock. */
  readonly at: string;
  readonly releaseDigest: string;
  readonly planVersion: number;
  readonly decision: 'approve' | 'reject';
  readonly comment?: string;
}

/** The change as it is now: approvals for anything else are stale. */
export interface ApprovalContext extends ChangeParties {
  readonly releaseDigest: string;
  readonly planVersion: number;
}

export type IgnoredApprovalReason = 'stale_release' | 'stale_plan' | 'requester' | 'deployer' | 'not_in_required_group' | 'repeated' | 'rejected_too' | 'not_needed';

export interface ApprovalEvaluation {
  /** `rejected` if any eligible approver rejected; `approved` if every requirement is met; else `pending`. */
  readonly status: 'approved' | 'pending' | 'rejected';
  readonly missing: readonly { readonly group: string; readonly needed: number }[];
  /** Approvals that meet a requirement, each with the group it counts for. */
  readonly counted: readonly { readonly approval: Approval; readonly group: string }[];
  readonly rejections: readonly Approval[];
  readonly ignored: readonly { readonly approval: Approval; readonly reason: IgnoredApprovalReason; readonly why: string }[];
}

/**
 * Decides whether `policy` is satisfied by `approvals` (oldest first), and says why each one
 * counted or did not:
 * - Approvals for another release digest or plan version are stale and ignored: an edit after
 *   approval bumps the plan version, so it resets approvals without deleting their history.
 * - The requester's and deployer's decisions never count (separation of duties, admins included).
 * - A person counts once per change, for one requirement, even when they belong to several
 *   required groups (as Argo CD and ServiceNow count a person once). They are assigned to the
 *   requirements so that as many are met as possible: alice (cab, owners) and bob (cab) meet
 *   "1 cab + 1 owners". An earlier approver keeps counting when a later one arrives.
 * - Any rejection by someone who could have approved rejects the change; that person's
 *   approvals stop counting. Anyone outside the required groups is ignored either way.
 */
export function evaluateApprovals(policy: ApprovalPolicy, approvals: readonly Approval[], change: ApprovalContext): ApprovalEvaluation {
  const requiredGroups = new Set(policy.requirements.map((requirement) => requirement.group));
  const ignored: { approval: Approval; reason: IgnoredApprovalReason; why: string }[] = [];
  const eligible: Approval[] = [];
  for (const approval of approvals) {
    const refusal = refuseApproval(approval, change, requiredGroups);
    if (refusal) ignored.push({ approval, ...refusal });
    else eligible.push(approval);
  }

  const rejections = eligible.filter((approval) => approval.decision === 'reject');
  const rejecters = new Set(rejections.map((approval) => approval.by));
  const candidates: Approval[] = [];
  for (const approval of eligible) {
    if (approval.decision === 'reject') continue;
    if (rejecters.has(approval.by)) ignored.push({ approval, reason: 'rejected_too', why: `${approval.by} also rejected this version of the change` });
    else if (candidates.some((earlier) => earlier.by === approval.by)) ignored.push({ approval, reason: 'repeated', why: `${approval.by} already approved; a person counts once per change` });
    else candidates.push(approval);
  }

  const slots = policy.requirements.flatMap((requirement) => Array.from({ length: requirement.count }, () => requirement.group));
  const holder = assignApprovers(candidates, slots);
  const counted = candidates.flatMap((approval, index) => {
    const slot = holder.indexOf(index);
    return slot === -1 ? [] : [{ approval, group: slots[slot] ?? '' }];
  });
  for (const [index, approval] of candidates.entries()) {
    if (!holder.includes(index)) ignored.push({ approval, reason: 'not_needed', why: `every requirement ${approval.by} could meet is already met` });
  }

  // Summed per group, so that a policy listing one group twice needs both counts.
  const required = new Map<string, number>();
  for (const requirement of policy.requirements) required.set(requirement.group, (required.get(requirement.group) ?? 0) + requirement.count);
  const missing = [...required]
    .map(([group, count]) => ({ group, needed: count - counted.filter((entry) => entry.group === group).length }))
    .filter((entry) => entry.needed > 0);
  const status = rejections.length > 0 ? 'rejected' : missing.length === 0 ? 'approved' : 'pending';
  return { status, missing, counted, rejections, ignored: ignored.sort((a, b) => approvals.indexOf(a.approval) - approvals.indexOf(b.approval)) };
}

function refuseApproval(approval: Approval, change: ApprovalContext, requiredGroups: ReadonlySet<string>): { reason: IgnoredApprovalReason; why: string } | undefined {
  if (approval.releaseDigest !== change.releaseDigest) {
    return { reason: 'stale_release', why: `given for release ${approval.releaseDigest}; the change now deploys ${change.releaseDigest}` };
  }
  if (approval.planVersion !== change.planVersion) {
    return { reason: 'stale_plan', why: `given for plan version ${approval.planVersion}; the plan is now version ${change.planVersion}` };
  }
  const role = roleBarringApproval(approval.by, change);
  if (role) return { reason: role, why: `${approval.by} is the ${role} of this change and cannot decide on it` };
  if (!approval.groups.some((group) => requiredGroups.has(group))) {
    return { reason: 'not_in_required_group', why: `${approval.by} is in none of the groups this change needs (${[...requiredGroups].join(', ') || 'none'})` };
  }
  return undefined;
}

/**
 * Maximum matching of approvers to requirement slots (Kuhn's augmenting paths; inputs are tiny).
 * Returns, per slot, the index of the approver holding it or -1. Approvers are placed in order
 * and a placed approver is only ever moved to another slot, never dropped.
 */
function assignApprovers(approvers: readonly Approval[], slots: readonly string[]): number[] {
  const holder = slots.map(() => -1);
  const place = (approver: number, visited: boolean[]): boolean => {
    for (const [slot, group] of slots.entries()) {
      if (visited[slot] || !approvers[approver]?.groups.includes(group)) continue;
      visited[slot] = true;
      const current = holder[slot] ?? -1;
      if (current === -1 || place(current, visited)) {
        holder[slot] = approver;
        return true;
      }
    }
    return false;
  };
  for (const approver of approvers.keys()) place(approver, slots.map(() => false));
  return holder;
}
