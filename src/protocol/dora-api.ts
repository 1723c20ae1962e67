import { z } from 'zod';
import { ENVIRONMENT_TIERS } from '../core/manifest/environment-tier.js';
import { nameSchema } from '../core/names.js';

/** `GET /metrics/dora`: `since`/`until` are `30d`, `12h`, `2w` back from now or ISO times; `window` the incident window (`24h`). */
export const doraQuerySchema = z.strictObject({
  app: nameSchema.optional(),
  tier: z.enum(ENVIRONMENT_TIERS).default('production'),
  since: z.string().min(1).max(60).optional(),
  until: z.string().min(1).max(60).optional(),
  window: z.string().min(1).max(20).optional(),
});
export type DoraQuery = z.input<typeof doraQuerySchema>;

const deploymentRefSchema = z.object({ id: z.string(), app: z.string(), environment: z.string(), version: z.string(), state: z.string(), finishedAt: z.string() });

const reasonSchema = z.object({
  kind: z.enum(['failed', 'rolled_back', 'incident']),
  /** When it was seen. */
  at: z.string(),
  /** `ended failed`, `rolled back`, `rolled back by d-9`, `incident I-3`. */
  text: z.string(),
  rollbackId: z.string().nullable().optional(),
  incidentId: z.string().optional(),
});

export const doraReportSchema = z.object({
  app: z.string().nullable(),
  tier: z.enum(ENVIRONMENT_TIERS),
  since: z.string(),
  until: z.string(),
  incidentWindowMs: z.number(),
  deploymentFrequency: z.object({ count: z.number(), days: z.number(), perDay: z.number(), perWeek: z.number(), deployments: z.array(deploymentRefSchema) }),
  leadTime: z.object({
    medianMs: z.number().nullable(),
    commits: z.array(z.object({ app: z.string(), sha: z.string(), subject: z.string(), committedAt: z.string(), deploymentId: z.string(), shippedAt: z.string(), leadTimeMs: z.number() })),
    unknown: z.array(deploymentRefSchema),
  }),
  changeFailureRate: z.object({
    rate: z.number().nullable(),
    failed: z.number(),
    total: z.number(),
    deployments: z.array(deploymentRefSchema),
    failures: z.array(z.object({ deployment: deploymentRefSchema, reasons: z.array(reasonSchema) })),
    incidentsOutsideWindow: z.array(z.object({ incidentId: z.string(), deploymentId: z.string(), openedAt: z.string() })),
  }),
  timeToRestore: z.object({
    medianMs: z.number().nullable(),
    restores: z.array(z.object({ deploymentId: z.string(), detectedAt: z.string(), detectedBy: z.string(), restoredAt: z.string(), restoredBy: z.string(), durationMs: z.number() })),
    notRestored: z.array(z.object({ deploymentId: z.string(), detectedAt: z.string(), detectedBy: z.string() })),
  }),
});
export type DoraReportDto = z.infer<typeof doraReportSchema>;
