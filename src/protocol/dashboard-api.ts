import { z } from 'zod';
import { deploymentSchema } from './api.js';

/** One application in one environment, as the dashboard shows it. */
export const dashboardCellSchema = z.object({
  environment: z.string(),
  protected: z.boolean(),
  /** The labels that select the environment's targets. */
  selector: z.record(z.string(), z.string()),
  liveVersion: z.string().nullable(),
  liveSince: z.string().nullable(),
  latest: deploymentSchema.nullable(),
  /** While the latest deployment is not finished: its targets done out of all. */
  progress: z.object({ done: z.number(), total: z.number() }).nullable(),
  targets: z.number(),
  /** Agents among the targets that are not connected. */
  offlineTargets: z.number(),
  health: z.enum(['healthy', 'degraded', 'unknown']),
});
export type DashboardCellDto = z.infer<typeof dashboardCellSchema>;

/** `GET /dashboard`: the applications × environments the caller may see. */
export const dashboardSchema = z.object({
  applications: z.array(z.object({ app: z.string(), strategy: z.string(), cells: z.array(dashboardCellSchema) })),
});
export type DashboardDto = z.infer<typeof dashboardSchema>;

/** Server-Sent Event names of `GET /activity`. */
export const ACTIVITY_EVENTS = {
  /** A deployment the caller may see moved: its state now (data: a deployment). */
  deployment: 'deployment',
  /** The caller lost access; the stream ends (data: a problem). */
  denied: 'denied',
} as const;
