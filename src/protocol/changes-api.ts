/**
 * Wire shapes of change requests, plans, approvals and tokens (API and CLI share them). Request
 * bodies are validated by the app layer's schemas; these describe what the server answers.
 */
import { z } from 'zod';
import { CHANGE_STATES, CHANGE_TYPES } from '../core/change/change-machine.js';
import { CLOSE_CODES } from '../core/change/evidence.js';
import { planInputSchema } from '../core/change/plan.js';
import { RISK_LEVELS } from '../core/change/risk-config.js';
import { feedbackSummarySchema } from './feedback-api.js';

const approvalSchema = z.object({
  by: z.string(),
  groups: z.array(z.string()),
  at: z.string(),
  releaseDigest: z.string(),
  planVersion: z.number(),
  decision: z.enum(['approve', 'reject']),
  comment: z.string().optional(),
});

export const riskSchema = z.object({
  score: z.number(),
  level: z.enum(RISK_LEVELS),
  /** Every factor with what was seen and the points it added. */
  factors: z.array(z.object({ factor: z.string(), label: z.string(), value: z.string(), contribution: z.number() })),
  rule: z.object({ name: z.string(), level: z.enum(RISK_LEVELS) }).optional(),
  reasons: z.array(z.string()),
});

export const changeSchema = z.object({
  id: z.string(),
  type: z.enum(CHANGE_TYPES),
  state: z.enum(CHANGE_STATES),
  title: z.string(),
  requester: z.string(),
  deployer: z.string().nullable(),
  app: z.string(),
  version: z.string(),
  environment: z.string(),
  releaseDigest: z.string(),
  planVersion: z.number(),
  /** What people wrote: goals, window, owners, risks, stakeholders, communications, checklist. */
  plan: planInputSchema,
  /** What Gantry computed: targets touched, strategy, rollback plan, test plan. */
  computed: z.object({
    targets: z.array(z.string()),
    strategy: z.string(),
    rollback: z.object({ previousVersion: z.string().nullable(), how: z.string() }),
    tests: z.object({ healthChecks: z.array(z.string()), analyses: z.array(z.string()) }),
  }),
  risk: riskSchema.nullable(),
  approvalPolicy: z.object({ name: z.string(), requirements: z.array(z.object({ group: z.string(), count: z.number() })) }).nullable(),
  approvals: z.array(approvalSchema),
  /** Where the approvals stand now; null before submission. */
  approvalStatus: z
    .object({
      status: z.enum(['approved', 'pending', 'rejected']),
      missing: z.array(z.object({ group: z.string(), needed: z.number() })),
      counted: z.array(z.object({ by: z.string(), group: z.string() })),
      ignored: z.array(z.object({ by: z.string(), reason: z.string(), why: z.string() })),
    })
    .nullable(),
  deploymentId: z.string().nullable(),
  /** After the deployment ended: what ran where and when, batches, analyses, rollback, approvals, proposed close code. */
  evidence: z.record(z.string(), z.unknown()).nullable(),
  review: z
    .object({ closeCode: z.enum(CLOSE_CODES), proposedCloseCode: z.enum(CLOSE_CODES), reviewer: z.string(), notes: z.string().nullable(), at: z.string() })
    .nullable(),
  /**
   * Feedback on the deployment that implemented the change, for its review: count, average,
   * distribution (given on `GET /changes/:id` and the review's answer; absent from listings).
   */
  feedback: feedbackSummarySchema.optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ChangeDto = z.infer<typeof changeSchema>;

export const changeEventSchema = z.object({
  seq: z.number(),
  type: z.string(),
  fromState: z.string().nullable(),
  toState: z.string().nullable(),
  actor: z.string(),
  data: z.record(z.string(), z.unknown()),
  at: z.string(),
});
export type ChangeEventDto = z.infer<typeof changeEventSchema>;

/** A stakeholder notice from the change's communication plan, as it stands (`gantry change comms`). */
export const communicationNoticeSchema = z.object({
  index: z.number().int(),
  audience: z.string(),
  when: z.string(),
  status: z.enum(['scheduled', 'waiting', 'skipped']),
  dueAt: z.string().nullable(),
  why: z.string().nullable(),
  message: z.string(),
  recipients: z.array(z.string()),
  /** When it was queued for sending (to at least one subscription); null: not yet. */
  sentAt: z.string().nullable(),
});
export const communicationNoticeListSchema = z.object({ notices: z.array(communicationNoticeSchema) });
export type CommunicationNoticeDto = z.infer<typeof communicationNoticeSchema>;

export const conflictSchema = z.object({ kind: z.enum(['freeze', 'outside_maintenance', 'busy']), cause: z.string() });

export const freeSlotsSchema = z.object({
  slots: z.array(z.object({ start: z.string(), end: z.string() })),
  searched: z.object({ start: z.string(), end: z.string() }),
  shortfall: z.string().optional(),
});
export type FreeSlotsDto = z.infer<typeof freeSlotsSchema>;
