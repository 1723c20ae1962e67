/** Wire shapes of the `gantry serve` nodes sharing one database. */
import { z } from 'zod';

export const nodeSchema = z.object({
  id: z.string(),
  /** `up`; `stopped` (an orderly shutdown); `unresponsive` (no heartbeat for three intervals: killed, hung or cut off). */
  state: z.enum(['up', 'stopped', 'unresponsive']),
  /** Where it serves, as started (`http://10.0.0.5:7400`). */
  url: z.string().nullable(),
  version: z.string(),
  startedAt: z.string(),
  heartbeatAt: z.string(),
  stoppedAt: z.string().nullable(),
  /** The deployments it runs now (holds a live lease on). */
  deployments: z.array(z.string()),
});
export type NodeDto = z.infer<typeof nodeSchema>;

export const nodeListSchema = z.object({ nodes: z.array(nodeSchema) });
