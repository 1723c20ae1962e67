import { z } from 'zod';

const SEVERITY = z.enum(['critical', 'high', 'medium', 'low', 'unknown']);
const EXPOSURE_STATE = z.enum(['affected_fix_available', 'affected_no_fix', 'fixed', 'not_affected', 'unknown']);

/** `POST /advisories`: OSV records, each with where it came from (a file name), for error messages. */
export const importAdvisoriesRequestSchema = z.strictObject({
  advisories: z.array(z.strictObject({ where: z.string().min(1).max(500), record: z.unknown() })).min(1).max(2000),
});
export type ImportAdvisoriesRequest = z.infer<typeof importAdvisoriesRequestSchema>;

export const importAdvisoriesResponseSchema = z.object({ created: z.array(z.string()), updated: z.array(z.string()), unchanged: z.array(z.string()) });
export type ImportAdvisoriesResponseDto = z.infer<typeof importAdvisoriesResponseSchema>;

export const advisorySchema = z.object({
  id: z.string(),
  aliases: z.array(z.string()),
  summary: z.string(),
  severity: SEVERITY,
  cvssScore: z.number().nullable(),
  published: z.string().nullable(),
  modified: z.string(),
  /** The packages it names, per ecosystem. */
  packages: z.array(z.object({ ecosystem: z.string(), name: z.string() })),
});
export type AdvisoryDto = z.infer<typeof advisorySchema>;
export const advisoryListSchema = z.object({ advisories: z.array(advisorySchema) });

/** One target against one advisory. */
export const exposureRowSchema = z.object({
  target: z.string(),
  environments: z.array(z.string()),
  advisory: z.string(),
  severity: SEVERITY,
  state: EXPOSURE_STATE,
  packages: z.array(z.object({ name: z.string(), installed: z.string(), fixedIn: z.string().nullable() })),
  /** When the target was first seen affected (null unless it is affected now): the SLA counts from then or from publication. */
  firstSeenAt: z.string().nullable(),
});
export type ExposureRowDto = z.infer<typeof exposureRowSchema>;

export const exposureQuerySchema = z.strictObject({
  environment: z.string().min(1).max(200).optional(),
  /** Leave out targets the advisory does not concern (`not_affected`): the default. */
  all: z.enum(['true', 'false']).default('false'),
});
export const exposureListSchema = z.object({ exposure: z.array(exposureRowSchema) });

const counts = z.object({
  total: z.number(),
  compliant: z.number(),
  noncompliant: z.number(),
  /** Targets without recent facts: a bucket of its own, never counted as compliant. */
  unknown: z.number(),
  compliantPercent: z.number().nullable(),
  noncompliantPercent: z.number().nullable(),
  unknownPercent: z.number().nullable(),
});
const slaDays = z.object({ critical: z.number().nullable(), high: z.number().nullable(), medium: z.number().nullable(), low: z.number().nullable(), unknown: z.number().nullable() });

/** `GET /patch/compliance`: per environment and severity, and the target × advisory pairs past their severity's deadline. */
export const complianceSchema = z.object({
  generatedAt: z.string(),
  /** Days from publication (or from when it was first seen, if later) to patch, per severity. */
  sla: slaDays,
  environments: z.array(z.object({ environment: z.string(), severities: z.object({ critical: counts, high: counts, medium: counts, low: counts, unknown: counts }), overall: counts })),
  overdue: z.array(
    z.object({ environment: z.string(), target: z.string(), advisory: z.string(), severity: SEVERITY, state: z.enum(['affected_fix_available', 'affected_no_fix']), since: z.string(), dueAt: z.string(), daysOverdue: z.number() }),
  ),
});
export type ComplianceDto = z.infer<typeof complianceSchema>;

/** `POST /patch/plan` and `POST /patch/rollouts`: which advisories (one, or a severity and worse) in which environment. */
export const patchSelectionSchema = z.strictObject({
  environment: z.string().min(1).max(200),
  advisory: z.string().min(1).max(200).optional(),
  severity: z.enum(['critical', 'high', 'medium', 'low']).optional(),
  /** Only this application's part of the environment. */
  app: z.string().min(1).max(200).optional(),
});
export const patchRolloutRequestSchema = patchSelectionSchema.extend({
  /** The change request the rollout implements (`C-12`); in a protected environment one is found when omitted. */
  change: z.string().min(1).max(50).optional(),
});
export type PatchRolloutRequest = z.infer<typeof patchRolloutRequestSchema>;

const packageUpgradeSchema = z.object({ name: z.string(), from: z.string(), to: z.string(), advisories: z.array(z.string()) });
export const patchPlanSchema = z.object({
  environment: z.string(),
  selection: z.string(),
  advisories: z.array(z.string()),
  applications: z.array(
    z.object({
      app: z.string(),
      /** The live release whose health checks follow the upgrade; null when nothing is live. */
      version: z.string().nullable(),
      protected: z.boolean(),
      targets: z.array(z.object({ target: z.string(), upgrades: z.array(packageUpgradeSchema) })),
    }),
  ),
  /** Targets without recent facts: whether they are affected is not known. */
  unknown: z.array(z.string()),
  withoutFix: z.array(z.object({ target: z.string(), advisories: z.array(z.string()) })),
});
export type PatchPlanDto = z.infer<typeof patchPlanSchema>;
