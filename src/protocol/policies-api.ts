import { z } from 'zod';

const STATE = z.enum(['pass', 'fail', 'unknown', 'not_applicable']);

/** A rule as stored (core/policy/model.ts `PolicyRule`). */
const ruleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('package'), name: z.string(), present: z.boolean(), minVersion: z.string().nullable() }),
  z.object({ kind: z.literal('os'), ids: z.array(z.string()), versions: z.array(z.string()) }),
  z.object({ kind: z.literal('agentVersion'), min: z.string() }),
  z.object({ kind: z.literal('diskFree'), mount: z.string(), minPercent: z.number() }),
  z.object({ kind: z.literal('file'), path: z.string(), exists: z.boolean(), mode: z.string().nullable(), owner: z.string().nullable(), contains: z.string().nullable() }),
  z.object({ kind: z.literal('service'), name: z.string(), running: z.boolean() }),
]);

export const policySchema = z.object({
  name: z.string(),
  description: z.string(),
  resolution: z.string(),
  targets: z.record(z.string(), z.string()),
  rules: z.array(ruleSchema),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type PolicyDto = z.infer<typeof policySchema>;
export const policyListSchema = z.object({ policies: z.array(policySchema) });

/**
 * `PUT /policies/:name`: the policy as written (`{ name?, description?, resolution?, targets?, rules }`),
 * checked field by field by the server; `name`, when given, must be the one in the path.
 */
export const policyInputBodySchema = z.record(z.string(), z.unknown());
export type PolicyInputBody = z.infer<typeof policyInputBodySchema>;
export const policyNameParamsSchema = z.object({ name: z.string().min(1).max(200) });

const counts = z.object({
  /** Targets × policies that concern them (not_applicable left out). */
  total: z.number(),
  pass: z.number(),
  fail: z.number(),
  /** No recent facts: a bucket of its own, never counted as passing. */
  unknown: z.number(),
  passPercent: z.number().nullable(),
  failPercent: z.number().nullable(),
  unknownPercent: z.number().nullable(),
});

export const policyResultRowSchema = z.object({
  target: z.string(),
  environments: z.array(z.string()),
  policy: z.string(),
  state: STATE,
  /** One line per failed (or undecidable) rule. */
  reasons: z.array(z.string()),
  resolution: z.string(),
  /** When the target entered this state. */
  since: z.string(),
  evaluatedAt: z.string(),
});
export type PolicyResultRowDto = z.infer<typeof policyResultRowSchema>;

export const policyResultsQuerySchema = z.strictObject({ environment: z.string().min(1).max(200).optional() });

/** `GET /policies/results`: every target × policy, and per environment pass / fail / unknown, overall and per policy. */
export const policyResultsSchema = z.object({
  generatedAt: z.string(),
  results: z.array(policyResultRowSchema),
  environments: z.array(z.object({ environment: z.string(), overall: counts, policies: z.array(counts.extend({ policy: z.string() })) })),
});
export type PolicyResultsDto = z.infer<typeof policyResultsSchema>;

/** A change of a target's state against a policy; `from` null: its first evaluation. */
export const policyFlipSchema = z.object({ seq: z.number(), target: z.string(), from: STATE.nullable(), to: STATE, reasons: z.array(z.string()), at: z.string() });
export type PolicyFlipDto = z.infer<typeof policyFlipSchema>;
export const policyHistorySchema = z.object({ policy: z.string(), flips: z.array(policyFlipSchema) });
export type PolicyHistoryDto = z.infer<typeof policyHistorySchema>;

/** `POST /policies/check`: look at the files and services the policies name, on every target or one. */
export const policyCheckRequestSchema = z.strictObject({ target: z.string().min(1).max(200).optional() });
export const policyCheckResponseSchema = z.object({
  /** Each target looked at; `error` says why one could not be (its last answers stay). */
  checked: z.array(z.object({ target: z.string(), error: z.string().nullable() })),
});
export type PolicyCheckResponseDto = z.infer<typeof policyCheckResponseSchema>;
