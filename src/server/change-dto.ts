import { approvalStatus } from '../app/changes.js';
import type { CalendarConflict } from '../core/calendar/conflicts.js';
import type { FreeSlots } from '../core/calendar/free-slots.js';
import type { ChangeEventRecord, ChangeRequest } from '../core/change/change-request.js';
import type { FeedbackSummary } from '../core/feedback/feedback.js';
import type { ChangeDto, ChangeEventDto, FreeSlotsDto } from '../protocol/changes-api.js';

export function toChangeDto(change: ChangeRequest): ChangeDto {
  const status = approvalStatus(change);
  const { app, version, environment, releaseDigest, ...computed } = change.computed;
  return {
    id: change.id,
    type: change.type,
    state: change.state,
    title: change.title,
    requester: change.requester,
    deployer: change.deployer,
    app,
    version,
    environment,
    releaseDigest,
    planVersion: change.planVersion,
    plan: change.plan,
    computed: { ...computed, targets: [...computed.targets], tests: { healthChecks: [...computed.tests.healthChecks], analyses: [...computed.tests.analyses] } },
    risk: change.risk === null ? null : { ...change.risk, factors: [...change.risk.factors], reasons: [...change.risk.reasons] },
    approvalPolicy: change.approvalPolicy === null ? null : { name: change.approvalPolicy.name, requirements: [...change.approvalPolicy.requirements] },
    approvals: change.approvals.map((approval) => ({ ...approval, groups: [...approval.groups] })),
    approvalStatus:
      status === null
        ? null
        : {
            status: status.status,
            missing: [...status.missing],
            counted: status.counted.map((entry) => ({ by: entry.approval.by, group: entry.group })),
            ignored: status.ignored.map((entry) => ({ by: entry.approval.by, reason: entry.reason, why: entry.why })),
          },
    deploymentId: change.deploymentId,
    evidence: change.evidence === null ? null : (JSON.parse(JSON.stringify(change.evidence)) as Record<string, unknown>),
    review: change.review,
    createdAt: change.createdAt,
    updatedAt: change.updatedAt,
  };
}

/** The change with the summary of the feedback on its deployment, where an answer shows the review. */
export function toChangeWithFeedbackDto(change: ChangeRequest, feedback: FeedbackSummary): ChangeDto {
  return { ...toChangeDto(change), feedback: { ...feedback, distribution: { ...feedback.distribution }, environments: feedback.environments.map((row) => ({ ...row, distribution: { ...row.distribution } })) } };
}

export function toChangeEventDto(event: ChangeEventRecord): ChangeEventDto {
  return { seq: event.seq, type: event.type, fromState: event.fromState, toState: event.toState, actor: event.actor, data: { ...event.data }, at: event.at };
}

export function toConflictDto(conflict: CalendarConflict): { kind: CalendarConflict['kind']; cause: string } {
  return { kind: conflict.kind, cause: conflict.cause };
}

export function toFreeSlotsDto(found: FreeSlots): FreeSlotsDto {
  const interval = (value: { start: Date; end: Date }) => ({ start: value.start.toISOString(), end: value.end.toISOString() });
  return { slots: found.slots.map(interval), searched: interval(found.searched), ...(found.shortfall ? { shortfall: found.shortfall } : {}) };
}
