import * as figures from '../store/delivery-metrics.repository.js';
import type { AppDeps } from './app-deps.js';

/** How far back the deployment duration histogram looks: deployments that finished in the last 7 days. */
export const DURATION_WINDOW_MS = 7 * 24 * 3_600_000;

export interface PerEnvironment {
  readonly app: string;
  readonly environment: string;
}

/**
 * What `/metrics` reports from the store, read in one go at scrape time: the same on every node,
 * and nothing is lost by a restart. Outcomes are the deployments' end states.
 */
export interface ScrapeFigures {
  readonly ended: readonly (PerEnvironment & { readonly kind: string; readonly outcome: string; readonly count: number })[];
  /** Start to end of each deployment that finished within DURATION_WINDOW_MS. */
  readonly durations: readonly (PerEnvironment & { readonly outcome: string; readonly seconds: number })[];
  readonly queued: readonly (PerEnvironment & { readonly count: number })[];
  readonly stepsInFlight: readonly (PerEnvironment & { readonly count: number })[];
  /** Agents with a live session on a node that is up (heartbeat within three intervals, not stopped). */
  readonly agentsConnected: number;
  /** Notification delivery attempts; channel type `removed` when the channel is gone. */
  readonly deliveries: readonly { readonly channelType: string; readonly outcome: 'delivered' | 'failed'; readonly count: number }[];
}

export async function readScrapeFigures(deps: AppDeps): Promise<ScrapeFigures> {
  const now = deps.clock.now().getTime();
  const [ended, finished, queued, stepsInFlight, sessions, deliveries] = await Promise.all([
    figures.countEndedDeployments(deps.db),
    figures.listFinishedSince(deps.db, new Date(now - DURATION_WINDOW_MS).toISOString()),
    figures.countQueuedDeployments(deps.db),
    figures.countStepsInFlight(deps.db),
    figures.listAgentSessions(deps.db),
    readDeliveryAttempts(deps),
  ]);
  const nodeIsUp = (node: figures.AgentSessionRow['node']) => node !== null && node.stoppedAt === null && now - Date.parse(node.heartbeatAt) <= 3 * deps.nodeHeartbeatMs;
  return {
    ended: ended.map(({ app, environment, kind, state, count }) => ({ app, environment, kind, outcome: state, count })),
    durations: finished.map((span) => ({ app: span.app, environment: span.environment, outcome: span.state, seconds: Math.max(0, Date.parse(span.finishedAt) - Date.parse(span.startedAt)) / 1000 })),
    queued,
    stepsInFlight,
    agentsConnected: sessions.filter((session) => nodeIsUp(session.node)).length,
    deliveries,
  };
}

/** Notification delivery attempts by channel type and outcome (from `notification_attempts`). */
async function readDeliveryAttempts(deps: AppDeps): Promise<ScrapeFigures['deliveries']> {
  const counts = await figures.countDeliveryAttempts(deps.db);
  return counts.map((row) => ({ channelType: row.channelType ?? 'removed', outcome: row.delivered ? 'delivered' : 'failed', count: row.count }));
}
