import { z } from 'zod';
import { COMMUNICATION_PLACEHOLDERS, COMMUNICATION_WHEN_HELP, parseCommunicationWhen, unknownPlaceholders } from './communication-template.js';

/**
 * A deployment plan, as people write it (`--from-file plan.yaml`, or the API). The parts Gantry
 * can compute (scope, targets, rollback plan, test plan) are not here: they are filled in from
 * the release and the inventory (`ComputedPlan`) and cannot be typed in. Strict, so a typo in a
 * field name is an error that names the field instead of a silently missing section.
 */

const text = (max: number) => z.string().trim().min(1).max(max);
const person = text(200);

/** An item of the readiness checklist: owned, and done or waived with a reason before the change starts. */
export const readinessItemSchema = z
  .strictObject({
    item: text(500),
    owner: person,
    status: z.enum(['open', 'done', 'waived']).default('open'),
    /** Required when waived: why it is safe to go without it. */
    reason: text(1000).optional(),
  })
  .superRefine((entry, ctx) => {
    if (entry.status === 'waived' && entry.reason === undefined) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'a waived item needs a reason' });
  });

/** A notice to stakeholders: its `when` must be a time Gantry can keep, its placeholders real ones. */
const communicationSchema = z
  .strictObject({
    audience: text(200),
    when: text(200).refine((when) => parseCommunicationWhen(when) !== undefined, { message: COMMUNICATION_WHEN_HELP }),
    message: text(2000),
  })
  .superRefine((entry, ctx) => {
    const unknown = unknownPlaceholders(entry.message);
    if (unknown.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['message'], message: `unknown placeholder ${unknown.map((name) => `{{${name}}}`).join(', ')}; known: ${COMMUNICATION_PLACEHOLDERS.join(', ')}` });
    }
  });

export const planInputSchema = z.strictObject({
  /** What the change is for, in the requester's words. */
  goals: z.array(text(1000)).max(50).default([]),
  /** Planned window: when the change may run. Required before the change is scheduled. */
  window: z
    .strictObject({
      start: z.iso.datetime({ offset: true, message: 'expected an ISO 8601 date and time with an offset, like "2026-12-05T22:00:00Z"' }),
      end: z.iso.datetime({ offset: true, message: 'expected an ISO 8601 date and time with an offset, like "2026-12-06T02:00:00Z"' }),
    })
    .refine((window) => Date.parse(window.end) > Date.parse(window.start), { message: 'the window must end after it starts', path: ['end'] })
    .optional(),
  /**
   * Whether Gantry starts the deployment itself when the window opens (the default), or waits
   * for someone to deploy inside the window (`gantry deploy … --change C-12`).
   */
  autoStart: z.boolean().default(true),
  /** Resources and owners: who does what during the change. */
  owners: z.array(z.strictObject({ name: person, role: text(200) })).max(50).default([]),
  risks: z.array(z.strictObject({ risk: text(1000), mitigation: text(1000) })).max(50).default([]),
  /** People or groups to inform. */
  stakeholders: z.array(z.strictObject({ name: person, kind: z.enum(['person', 'group']).default('group'), contact: text(320).optional() })).max(100).default([]),
  /** What to tell whom and when (src/core/change/communications.ts): "24h before start", "at start", "30m after end". */
  communications: z.array(communicationSchema).max(50).default([]),
  checklist: z.array(readinessItemSchema).max(100).default([]),
});

export type PlanInput = z.input<typeof planInputSchema>;
export type PlanDetails = z.output<typeof planInputSchema>;
export type ReadinessItem = PlanDetails['checklist'][number];

/** The parts of a plan computed from what will really run. */
export interface ComputedPlan {
  readonly app: string;
  readonly version: string;
  readonly releaseDigest: string;
  readonly environment: string;
  /** Targets the environment selects now: the ones the deployment will touch. */
  readonly targets: readonly string[];
  readonly strategy: string;
  /** The release live in the environment now, which a rollback returns to; null when nothing is live. */
  readonly rollback: { readonly previousVersion: string | null; readonly how: string };
  /** The manifest's health checks and analyses: how the deployment proves itself. */
  readonly tests: { readonly healthChecks: readonly string[]; readonly analyses: readonly string[] };
}

/** Readiness items that still stop the change from starting, in words; empty when it is ready. */
export function unreadyItems(checklist: readonly ReadinessItem[]): string[] {
  return checklist.filter((entry) => entry.status === 'open').map((entry) => `"${entry.item}" (owner ${entry.owner}) is still open`);
}
