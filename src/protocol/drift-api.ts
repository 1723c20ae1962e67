import { z } from 'zod';
import { queuedDeploymentSchema } from './api.js';

const name = z.string().min(1).max(200);

/** The last drift check of an application's live release on a target (issue 9). */
export const driftRecordSchema = z.object({
  target: z.string(),
  app: z.string(),
  environment: z.string(),
  /** The live release checked. */
  version: z.string(),
  /** `unknown`: the target could not be checked (`reason` says why); never counted as in sync. */
  state: z.enum(['in_sync', 'drifted', 'unknown']),
  changed: z.array(z.string()),
  added: z.array(z.string()),
  removed: z.array(z.string()),
  /** Declared packages missing or below their version on the target, in words. */
  packages: z.array(z.string()),
  /** When the current drift was first seen (kept while it persists); null when in sync. */
  firstSeenAt: z.string().nullable(),
  checkedAt: z.string(),
  /** No deployment or change explains the drift. */
  unauthorised: z.boolean(),
  /** "explained by change C-12, …" or "no deployment or change explains it"; null when in sync. */
  explanation: z.string().nullable(),
  reason: z.string().nullable(),
});
export type DriftRecordDto = z.infer<typeof driftRecordSchema>;

export const driftListSchema = z.object({ drift: z.array(driftRecordSchema) });
export type DriftListDto = z.infer<typeof driftListSchema>;

/** `GET /drift?environment=&target=`: the results of the last checks. */
export const driftQuerySchema = z.strictObject({ environment: name.optional(), target: name.optional() });

/** `POST /drift/check`: checks now (everything in reach when both are left out). */
export const driftCheckBodySchema = z.strictObject({ environment: name.optional(), target: name.optional() });
export type DriftCheckBody = z.infer<typeof driftCheckBodySchema>;

/** `POST /drift/remediate`: an environment, a target, or both. */
export const driftRemediateBodySchema = z
  .strictObject({ environment: name.optional(), target: name.optional() })
  .refine((body) => body.environment !== undefined || body.target !== undefined, { message: 'name an environment or a target to remediate', path: ['environment'] });
export type DriftRemediateBody = z.infer<typeof driftRemediateBodySchema>;

/** The redeploys started, one per drifted application × environment (empty: nothing had drifted). */
export const driftRemediationSchema = z.object({ deployments: z.array(queuedDeploymentSchema) });
export type DriftRemediationDto = z.infer<typeof driftRemediationSchema>;
