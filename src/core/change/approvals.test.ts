import { describe, expect, it } from 'vitest';
import type { ApprovalPolicy } from './approval-policy.js';
import { evaluateApprovals, type Approval, type ApprovalContext } from './approvals.js';

const DIGEST = 'sha256:aaaa';
const highRisk: ApprovalPolicy = { name: 'production-high', requirements: [{ group: 'cab', count: 2 }, { group: 'service-owners', count: 1 }] };
const change: ApprovalContext = { requester: 'alice', deployer: 'dave', releaseDigest: DIGEST, planVersion: 3 };

let minute = 0;
function approval(by: string, groups: string[], extra: Partial<Approval> = {}): Approval {
  minute += 1;
  return { by, groups, at: `2025-03-01T10:${String(minute).padStart(2, '0')}:00.000Z`, releaseDigest: DIGEST, planVersion: 3, decision: 'approve', ...extra };
}

const reasons = (result: ReturnType<typeof evaluateApprovals>) => result.ignored.map((entry) => [entry.approval.by, entry.reason]);
const countedFor = (result: ReturnType<typeof evaluateApprovals>) => result.counted.map((entry) => [entry.approval.by, entry.group]);

describe('evaluateApprovals', () => {
  it('is pending with everything missing before anyone decides', () => {
    const result = evaluateApprovals(highRisk, [], change);
    expect(result.status).toBe('pending');
    expect(result.missing).toEqual([{ group: 'cab', needed: 2 }, { group: 'service-owners', needed: 1 }]);
  });

  it('is approved when every requirement has its count of distinct people', () => {
    const result = evaluateApprovals(highRisk, [approval('bob', ['cab']), approval('carol', ['cab']), approval('erin', ['service-owners'])], change);
    expect(result.status).toBe('approved');
    expect(result.missing).toEqual([]);
    expect(countedFor(result)).toEqual([['bob', 'cab'], ['carol', 'cab'], ['erin', 'service-owners']]);
    expect(result.ignored).toEqual([]);
  });

  it('counts a person once, for one requirement, even when they are in two required groups', () => {
    const result = evaluateApprovals(highRisk, [approval('bob', ['cab', 'service-owners']), approval('carol', ['cab'])], change);
    expect(result.status).toBe('pending');
    expect(countedFor(result)).toEqual([['bob', 'cab'], ['carol', 'cab']]);
    expect(result.missing).toEqual([{ group: 'service-owners', needed: 1 }]);
  });

  it('assigns a person in two groups where they are needed', () => {
    const policy: ApprovalPolicy = { name: 'p', requirements: [{ group: 'cab', count: 1 }, { group: 'service-owners', count: 1 }] };
    const result = evaluateApprovals(policy, [approval('bob', ['cab', 'service-owners']), approval('carol', ['cab'])], change);
    expect(result.status).toBe('approved');
    expect(countedFor(result)).toEqual([['bob', 'service-owners'], ['carol', 'cab']]);
  });

  it('ignores a second approval by the same person', () => {
    const result = evaluateApprovals(highRisk, [approval('bob', ['cab']), approval('bob', ['cab'])], change);
    expect(result.missing).toEqual([{ group: 'cab', needed: 1 }, { group: 'service-owners', needed: 1 }]);
    expect(reasons(result)).toEqual([['bob', 'repeated']]);
  });

  it('never counts the requester or the deployer, admins included', () => {
    const result = evaluateApprovals(
      highRisk,
      [approval('alice', ['admin', 'cab']), approval('dave', ['cab']), approval('bob', ['cab']), approval('erin', ['service-owners'])],
      change,
    );
    expect(result.status).toBe('pending');
    expect(reasons(result)).toEqual([['alice', 'requester'], ['dave', 'deployer']]);
    expect(result.ignored[0]?.why).toBe('alice is the requester of this change and cannot decide on it');
  });

  it('stops counting an approver who becomes the deployer', () => {
    const approvals = [approval('bob', ['cab']), approval('carol', ['cab']), approval('erin', ['service-owners'])];
    expect(evaluateApprovals(highRisk, approvals, { ...change, deployer: null }).status).toBe('approved');
    expect(evaluateApprovals(highRisk, approvals, { ...change, deployer: 'carol' }).status).toBe('pending');
  });

  it('does not let an admin stand in for a group they are not in', () => {
    const result = evaluateApprovals(highRisk, [approval('root', ['admin'])], change);
    expect(reasons(result)).toEqual([['root', 'not_in_required_group']]);
    expect(result.ignored[0]?.why).toBe('root is in none of the groups this change needs (cab, service-owners)');
  });

  it('resets approvals when the plan version changes', () => {
    const approvals = [approval('bob', ['cab']), approval('carol', ['cab']), approval('erin', ['service-owners'])];
    expect(evaluateApprovals(highRisk, approvals, change).status).toBe('approved');

    const edited = evaluateApprovals(highRisk, approvals, { ...change, planVersion: 4 });
    expect(edited.status).toBe('pending');
    expect(edited.counted).toEqual([]);
    expect(reasons(edited)).toEqual([['bob', 'stale_plan'], ['carol', 'stale_plan'], ['erin', 'stale_plan']]);
    expect(edited.ignored[0]?.why).toBe('given for plan version 3; the plan is now version 4');

    const reapproved = evaluateApprovals(highRisk, [...approvals, approval('bob', ['cab'], { planVersion: 4 }), approval('carol', ['cab'], { planVersion: 4 }), approval('erin', ['service-owners'], { planVersion: 4 })], { ...change, planVersion: 4 });
    expect(reapproved.status).toBe('approved');
  });

  it('resets approvals when the release changes', () => {
    const result = evaluateApprovals(highRisk, [approval('bob', ['cab'])], { ...change, releaseDigest: 'sha256:bbbb' });
    expect(reasons(result)).toEqual([['bob', 'stale_release']]);
    expect(result.ignored[0]?.why).toBe('given for release sha256:aaaa; the change now deploys sha256:bbbb');
  });

  it('is rejected by any eligible rejection, even with every requirement met', () => {
    const approvals = [approval('bob', ['cab']), approval('carol', ['cab']), approval('erin', ['service-owners']), approval('frank', ['cab'], { decision: 'reject', comment: 'no rollback tested' })];
    const result = evaluateApprovals(highRisk, approvals, change);
    expect(result.status).toBe('rejected');
    expect(result.rejections.map((entry) => entry.by)).toEqual(['frank']);
  });

  it('drops the approval of someone who also rejected', () => {
    const result = evaluateApprovals(highRisk, [approval('bob', ['cab']), approval('bob', ['cab'], { decision: 'reject' })], change);
    expect(result.status).toBe('rejected');
    expect(result.counted).toEqual([]);
    expect(reasons(result)).toEqual([['bob', 'rejected_too']]);
  });

  it('ignores rejections that are stale, self-made or from outside the required groups', () => {
    const approvals = [
      approval('bob', ['cab'], { decision: 'reject', planVersion: 2 }),
      approval('alice', ['cab'], { decision: 'reject' }),
      approval('mallory', ['developers'], { decision: 'reject' }),
    ];
    const result = evaluateApprovals(highRisk, approvals, change);
    expect(result.status).toBe('pending');
    expect(reasons(result)).toEqual([['bob', 'stale_plan'], ['alice', 'requester'], ['mallory', 'not_in_required_group']]);
  });

  it('keeps earlier approvers counted and ignores surplus ones', () => {
    const policy: ApprovalPolicy = { name: 'p', requirements: [{ group: 'cab', count: 1 }] };
    const result = evaluateApprovals(policy, [approval('bob', ['cab']), approval('carol', ['cab'])], change);
    expect(countedFor(result)).toEqual([['bob', 'cab']]);
    expect(reasons(result)).toEqual([['carol', 'not_needed']]);
  });

  it('needs both counts when a policy lists a group twice', () => {
    const policy: ApprovalPolicy = { name: 'p', requirements: [{ group: 'cab', count: 1 }, { group: 'cab', count: 1 }] };
    const result = evaluateApprovals(policy, [approval('bob', ['cab'])], change);
    expect(result.status).toBe('pending');
    expect(result.missing).toEqual([{ group: 'cab', needed: 1 }]);
  });

  it('approves without a vote only when the policy asks for nobody', () => {
    expect(evaluateApprovals({ name: 'none', requirements: [] }, [], change).status).toBe('approved');
  });

  it('uses the emergency fast path: one approval from the emergency group', () => {
    const policy: ApprovalPolicy = { name: 'emergency', requirements: [{ group: 'emergency', count: 1 }] };
    expect(evaluateApprovals(policy, [approval('oncall', ['emergency'])], change).status).toBe('approved');
  });
});
