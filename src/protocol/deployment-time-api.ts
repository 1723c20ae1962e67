import { z } from 'zod';

/** What a deployment took and cost in time (`GET /deployments/:id` → `time`); milliseconds throughout. */
export const deploymentTimeSchema = z.object({
  /** Between being queued and starting; null before it starts. */
  queuedMs: z.number().nullable(),
  /** From start to end, or to now while it runs; null before it starts. */
  durationMs: z.number().nullable(),
  batches: z.array(
    z.object({
      batch: z.number(),
      startedAt: z.string(),
      /** When it finished, or when the rollout stopped during it; null while it runs. */
      endedAt: z.string().nullable(),
      durationMs: z.number(),
      finished: z.boolean(),
    }),
  ),
  /** From the start of the rollback to the end, when there was one. */
  rollbackMs: z.number().nullable(),
  /** Time targets spent out of the load balancer's rotation (environments with `traffic`). */
  outOfRotation: z.object({
    /** Summed over targets: two targets out for 5 s each are 10 000 target-milliseconds. */
    targetMs: z.number(),
    /** The longest single stretch any one target was out. */
    longestMs: z.number(),
    targets: z.array(
      z.object({
        target: z.string(),
        totalMs: z.number(),
        gaps: z.array(z.object({ from: z.string(), to: z.string(), durationMs: z.number(), open: z.boolean() })),
      }),
    ),
  }),
});
export type DeploymentTimeDto = z.infer<typeof deploymentTimeSchema>;
