import { z } from 'zod';
import type { ApprovalPolicy } from './approval-policy.js';
import type { Approval } from './approvals.js';
import type { ChangeState, ChangeType } from './change-machine.js';
import type { EvidenceBundle, CloseCode } from './evidence.js';
import type { ComputedPlan, PlanDetails } from './plan.js';
import type { RiskAssessment } from './risk.js';

/** `C-` and the change's number. */
export const changeIdSchema = z.string().regex(/^C-[1-9][0-9]{0,9}$/, 'a change id looks like C-12');

/** The post-implementation review: the close code a reviewer confirmed, and what they noted. */
export interface ChangeReview {
  readonly closeCode: CloseCode;
  /** What the evidence proposed; a reviewer may disagree, and the record shows both. */
  readonly proposedCloseCode: CloseCode;
  readonly reviewer: string;
  readonly notes: string | null;
  readonly at: string;
}

/**
 * A change request: the deployment plan *is* the change (issue 5). People write the plan; Gantry
 * computes its scope, rollback and test plans, assesses its risk, picks its approval policy,
 * enforces it on the deployment, and closes it with evidence from what ran.
 */
export interface ChangeRequest {
  /** `C-12`. */
  readonly id: string;
  readonly type: ChangeType;
  readonly state: ChangeState;
  readonly title: string;
  readonly requester: string;
  /** Who started its deployment (`gantry` when it started itself at its window); null before. */
  readonly deployer: string | null;
  readonly plan: PlanDetails;
  /** Raised by every edit: approvals given for an older version stop counting. */
  readonly planVersion: number;
  readonly computed: ComputedPlan;
  /** Assessed at submission and again at every edit after it; null while new. */
  readonly risk: RiskAssessment | null;
  readonly approvalPolicy: ApprovalPolicy | null;
  readonly approvals: readonly Approval[];
  readonly deploymentId: string | null;
  readonly evidence: EvidenceBundle | null;
  readonly review: ChangeReview | null;
  /** Optimistic concurrency token for writes. */
  readonly rowVersion: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** One line of a change's audit trail. */
export interface ChangeEventRecord {
  readonly seq: number;
  readonly changeId: string;
  /** `change:submitted`, `change:approved-by`, `change:revised`, … */
  readonly type: string;
  readonly fromState: ChangeState | null;
  readonly toState: ChangeState | null;
  readonly actor: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly at: string;
}
