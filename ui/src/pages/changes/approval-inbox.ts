import type { ChangeDto } from '../../../../src/client/api-client.js';

type Can = (permission: 'approve', resource: { app: string; environment: string }) => boolean;

/** Whether `user` gave a decision that still counts: for the change's current plan and release. */
function hasDecided(change: ChangeDto, user: string): boolean {
  return change.approvals.some((approval) => approval.by === user && approval.planVersion === change.planVersion && approval.releaseDigest === change.releaseDigest);
}

/**
 * The changes waiting for this user's decision: asking for approval, on an app and environment
 * they may approve, not requested by themselves (separation of duties), and not decided by them
 * yet. Soonest planned window first; unplanned ones last, oldest first.
 */
export function awaitingApproval(changes: readonly ChangeDto[], user: string, can: Can): ChangeDto[] {
  const startOf = (change: ChangeDto) => (change.plan.window ? Date.parse(change.plan.window.start) : Number.POSITIVE_INFINITY);
  return changes
    .filter((change) => change.state === 'authorize' && change.requester !== user && !hasDecided(change, user) && can('approve', { app: change.app, environment: change.environment }))
    .sort((a, b) => startOf(a) - startOf(b) || a.createdAt.localeCompare(b.createdAt));
}
