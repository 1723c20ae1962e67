import { GantryError } from '../errors.js';

/**
 * The people a change belongs to. The deployer is whoever starts its deployment; it may be unknown
 * until then (a scheduled change starts itself), and becomes known after approvals were given —
 * which is why approvals are re-checked against it when they are evaluated, not only when given.
 */
export interface ChangeParties {
  readonly requester: string;
  readonly deployer?: string | null;
}

export type ChangeRole = 'requester' | 'deployer';

/** The role that keeps `user` from approving this change, if any. Users are compared exactly. */
export function roleBarringApproval(user: string, parties: ChangeParties): ChangeRole | undefined {
  if (user === parties.requester) return 'requester';
  if (parties.deployer != null && user === parties.deployer) return 'deployer';
  return undefined;
}

/**
 * Refuses an approval (or rejection) by the change's requester or deployer. Nobody is exempt:
 * the groups are taken only to make that plain — an admin's own change needs someone else's vote,
 * because the point is a second pair of eyes, not a permission level.
 */
export function checkApprover(approver: { readonly by: string; readonly groups: readonly string[] }, parties: ChangeParties): void {
  const role = roleBarringApproval(approver.by, parties);
  if (role === undefined) return;
  const did = role === 'requester' ? 'requested' : 'is deploying';
  throw new GantryError(
    'SELF_APPROVAL_FORBIDDEN',
    `${approver.by} ${did} this change and cannot approve or reject it; separation of duties applies to every role, admins included`,
    { where: 'by', role },
  );
}
