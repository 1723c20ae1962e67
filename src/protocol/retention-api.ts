import { z } from 'zod';

/** The four retention rules (core/retention/policy.ts); the server checks their bounds. */
const rules = {
  keepReleases: z.number().int(),
  keepReleaseDays: z.number().int(),
  keepLogDays: z.number().int(),
  keepLogDeployments: z.number().int(),
};
export const retentionRulesSchema = z.object(rules);
export const retentionRulesOverrideSchema = z.strictObject(rules).partial();
export type RetentionRulesDto = z.infer<typeof retentionRulesSchema>;

/** `GET /retention/policy`: the installation's rules (defaults filled in) and each application's overrides. */
export const retentionPolicySchema = z.object({
  installation: retentionRulesSchema,
  overrides: z.record(z.string(), retentionRulesOverrideSchema),
  /** null: never set, the defaults apply. */
  updatedAt: z.string().nullable(),
  updatedBy: z.string().nullable(),
});
export type RetentionPolicyDto = z.infer<typeof retentionPolicySchema>;

/** `PUT /retention/policy`: replaces the policy; installation rules left out keep their value, overrides are exactly these. */
export const retentionPolicyInputSchema = z.strictObject({
  installation: retentionRulesOverrideSchema.default({}),
  overrides: z.record(z.string().min(1).max(200), retentionRulesOverrideSchema).default({}),
});
export type RetentionPolicyInput = z.input<typeof retentionPolicyInputSchema>;

const releaseVerdict = z.object({ app: z.string(), version: z.string(), digest: z.string(), reasons: z.array(z.string()) });
const logVerdict = z.object({ deploymentId: z.string(), app: z.string(), environment: z.string(), version: z.string(), lines: z.number(), reasons: z.array(z.string()) });

/** `GET /retention/preview`: what an apply now would delete (`prune*`, `delete*`) and why the rest is kept. */
export const retentionPreviewSchema = z.object({
  generatedAt: z.string(),
  policy: z.object({ installation: retentionRulesSchema, overrides: z.record(z.string(), retentionRulesOverrideSchema) }),
  /** Releases whose archive goes; the release row stays, marked `archivePrunedAt`. */
  pruneReleases: z.array(releaseVerdict),
  keptReleases: z.array(releaseVerdict),
  /** Archives no remaining release references. */
  deleteArchives: z.array(z.object({ digest: z.string(), releases: z.array(z.string()) })),
  deleteLogs: z.array(logVerdict),
  keptLogs: z.array(logVerdict),
  environments: z.array(z.object({ app: z.string(), environment: z.string(), live: z.string().nullable(), rollback: z.string().nullable() })),
});
export type RetentionPreviewDto = z.infer<typeof retentionPreviewSchema>;

/** `POST /retention/apply`: what this run deleted. */
export const retentionOutcomeSchema = z.object({
  appliedAt: z.string(),
  prunedReleases: z.array(z.object({ app: z.string(), version: z.string() })),
  deletedArchives: z.array(z.string()),
  deletedLogLines: z.number(),
  deletedLogDeployments: z.number(),
});
export type RetentionOutcomeDto = z.infer<typeof retentionOutcomeSchema>;
