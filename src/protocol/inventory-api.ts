import { z } from 'zod';

/** The inventory on the wire (issue 9): configuration items, relationships, impact analysis. */

const KIND = z.enum(['target', 'app', 'environment', 'ci']);
const LIFECYCLE = z.enum(['ordered', 'in_use', 'maintenance', 'retired']);
const CLASS = z.enum(['load-balancer', 'database', 'network-device', 'saas', 'server', 'service', 'storage', 'other']);
const RELATIONSHIP_TYPE = z.enum(['runs-on', 'depends-on', 'connects-to', 'part-of']);

/** A manual CI as stored; `lifecycleDates`: when it last entered each state it has been in. */
export const manualCiSchema = z.object({
  name: z.string(),
  class: CLASS,
  owner: z.string().nullable(),
  lifecycle: LIFECYCLE,
  lifecycleDates: z.partialRecord(LIFECYCLE, z.string()),
  serial: z.string().nullable(),
  model: z.string().nullable(),
  location: z.string().nullable(),
  purchaseDate: z.string().nullable(),
  warrantyUntil: z.string().nullable(),
  costCentre: z.string().nullable(),
  description: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ManualCiDto = z.infer<typeof manualCiSchema>;

export const ciSchema = z.object({
  /** `KIND:NAME`. */
  ref: z.string(),
  kind: KIND,
  name: z.string(),
  source: z.enum(['discovered', 'manual']),
  /** Manual CIs: what people recorded. */
  manual: manualCiSchema.nullable(),
  /** Targets: how they are reached and what their agent last reported (os and packages null without facts). */
  target: z
    .object({
      transport: z.enum(['local', 'ssh', 'agent']),
      labels: z.record(z.string(), z.string()),
      os: z.string().nullable(),
      packageCount: z.number().nullable(),
      lastSeenAt: z.string().nullable(),
      factsReportedAt: z.string().nullable(),
    })
    .nullable(),
  /** Targets: the applications running there; environments: the applications declaring it. */
  applications: z.array(z.string()),
  /** Targets: the environments selecting it; applications: the environments they declare. */
  environments: z.array(z.string()),
});
export type CiDto = z.infer<typeof ciSchema>;
export const ciListSchema = z.object({ cis: z.array(ciSchema) });
export const ciListQuerySchema = z.strictObject({ kind: KIND.optional(), class: CLASS.optional(), lifecycle: LIFECYCLE.optional() });

/** `PUT /cis/:name`, `POST /cis`: a manual CI as written; empty or absent text means "not recorded". Checked by the server field by field. */
export const ciInputBodySchema = z.record(z.string(), z.unknown());
export type CiInputBody = z.infer<typeof ciInputBodySchema>;
/** A manual CI's name, or for reads any CI's `KIND:NAME`. */
export const ciNameParamsSchema = z.object({ name: z.string().min(1).max(300) });

export const relationshipSchema = z.object({ from: z.string(), type: RELATIONSHIP_TYPE, to: z.string(), source: z.enum(['discovered', 'manual']) });
export type RelationshipDto = z.infer<typeof relationshipSchema>;
export const relationshipListSchema = z.object({ relationships: z.array(relationshipSchema) });
export const relationshipQuerySchema = z.strictObject({ ci: z.string().min(1).max(300).optional() });
/** `PUT /relationships` body and `DELETE /relationships` query: both ends as `KIND:NAME`. */
export const relationshipInputSchema = z.strictObject({ from: z.string().min(1).max(300), type: z.string().min(1).max(50), to: z.string().min(1).max(300) });
export type RelationshipInput = z.infer<typeof relationshipInputSchema>;
export const relationshipPutSchema = z.object({ relationship: relationshipSchema, created: z.boolean() });
export const relationshipDeleteSchema = z.object({ removed: z.boolean() });

/** `GET /cis/:name`: the CI with every relationship it is an end of. */
export const ciDetailSchema = z.object({ ci: ciSchema, relationships: z.array(relationshipSchema) });
export type CiDetailDto = z.infer<typeof ciDetailSchema>;

/** `POST /cis/import`: the CSV text and the file name it came from (for `FILE:line` in errors). */
export const ciImportRequestSchema = z.strictObject({ file: z.string().min(1).max(500).default('import.csv'), csv: z.string().max(8 * 1024 * 1024) });
export type CiImportRequest = z.input<typeof ciImportRequestSchema>;
export const ciImportResponseSchema = z.object({ created: z.array(z.string()), updated: z.array(z.string()), unchanged: z.array(z.string()) });
export type CiImportResponseDto = z.infer<typeof ciImportResponseSchema>;

export const impactQuerySchema = z.strictObject({ ci: z.string().min(1).max(300), depth: z.coerce.number().int().min(1).max(10).default(3) });

const impactStepSchema = z.object({
  ref: z.string(),
  depth: z.number(),
  /** From the affected CI back to the one that changes. */
  path: z.array(relationshipSchema),
  /** The path in words: `app:storefront depends-on ci:orders-db runs-on target:db-1`. */
  because: z.string(),
});
export type ImpactStepDto = z.infer<typeof impactStepSchema>;

/** `GET /impact`: what is affected if the CI changes or fails, grouped, with the open changes touching it. */
export const impactSchema = z.object({
  ci: z.string(),
  depth: z.number(),
  applications: z.array(impactStepSchema),
  environments: z.array(impactStepSchema),
  targets: z.array(impactStepSchema),
  /** Manual CIs. */
  others: z.array(impactStepSchema),
  /** CIs the impact reaches beyond `depth`: counted, not listed. */
  beyondDepth: z.number(),
  changes: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      state: z.string(),
      app: z.string(),
      environment: z.string(),
      window: z.object({ start: z.string(), end: z.string() }).nullable(),
      /** Its CIs the impact reaches. */
      because: z.array(z.string()),
    }),
  ),
});
export type ImpactDto = z.infer<typeof impactSchema>;
