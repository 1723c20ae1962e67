import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ScrapeFigures } from '../app/scrape-figures.js';
import type { Resource } from '../core/access/access.js';

/**
 * The metrics `/metrics` serves (issue 10), in two parts. This node's own — HTTP latencies and the
 * process — live in a registry the server keeps. The delivery figures are read from the store at
 * each scrape and put into a registry made for that scrape, holding only the series the caller
 * may read: every node answers the same, and a scope-limited token sees its own applications only.
 */

/** Seconds: from a quick deployment to a long rollout. */
const DEPLOYMENT_DURATION_BUCKETS = [5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200];
/** Seconds: API answers are milliseconds; archive uploads and streams take longer. */
const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** One node's metrics, kept for the life of the server (never the global registry: tests run several servers in one process). */
export class NodeMetrics {
  readonly registry = new Registry();
  private readonly httpDuration = new Histogram({
    name: 'gantry_http_request_duration_seconds',
    help: 'HTTP requests answered by this node, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: HTTP_DURATION_BUCKETS,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'gantry_' });
  }

  /** `route` is the pattern the request matched (`/api/v1/deployments/:id`), never the URL: no ids or tokens in labels. */
  observeRequest(method: string, route: string, statusCode: number, seconds: number): void {
    this.httpDuration.observe({ method, route, status_code: String(statusCode) }, seconds);
  }
}

/** The store's figures for one scrape, keeping the series of the applications and environments `visible` allows. */
function deliveryRegistry(snapshot: ScrapeFigures, visible: (resource: Resource) => boolean): Registry {
  const registry = new Registry();
  const registers = [registry];
  const deployments = new Counter({
    name: 'gantry_deployments_total',
    help: 'Deployments that ended, by application, environment, kind and outcome (their end state), counted in the store',
    labelNames: ['app', 'environment', 'kind', 'outcome'] as const,
    registers,
  });
  const durations = new Histogram({
    name: 'gantry_deployment_duration_seconds',
    help: 'Start to end of the deployments that finished in the last 7 days, by application, environment and outcome',
    labelNames: ['app', 'environment', 'outcome'] as const,
    buckets: DEPLOYMENT_DURATION_BUCKETS,
    registers,
  });
  const queued = new Gauge({ name: 'gantry_deployments_queued', help: 'Deployments queued behind another of the same application and environment', labelNames: ['app', 'environment'] as const, registers });
  const steps = new Gauge({ name: 'gantry_steps_in_flight', help: 'Targets with a deployment or rollback step running now', labelNames: ['app', 'environment'] as const, registers });
  const agents = new Gauge({ name: 'gantry_agents_connected', help: 'Agents with a live session on any node that is up (from the store)', registers });
  const deliveries = new Counter({
    name: 'gantry_notification_deliveries_total',
    help: 'Notification delivery attempts, by channel type and outcome',
    labelNames: ['channel_type', 'outcome'] as const,
    registers,
  });
  for (const row of snapshot.ended) if (visible(row)) deployments.inc({ app: row.app, environment: row.environment, kind: row.kind, outcome: row.outcome }, row.count);
  for (const row of snapshot.durations) if (visible(row)) durations.observe({ app: row.app, environment: row.environment, outcome: row.outcome }, row.seconds);
  for (const row of snapshot.queued) if (visible(row)) queued.set({ app: row.app, environment: row.environment }, row.count);
  for (const row of snapshot.stepsInFlight) if (visible(row)) steps.set({ app: row.app, environment: row.environment }, row.count);
  agents.set(snapshot.agentsConnected);
  for (const row of snapshot.deliveries) deliveries.inc({ channel_type: row.channelType, outcome: row.outcome }, row.count);
  return registry;
}

/** The Prometheus text exposition for one scrape. */
export async function renderMetrics(node: NodeMetrics, snapshot: ScrapeFigures, visible: (resource: Resource) => boolean): Promise<{ readonly contentType: string; readonly text: string }> {
  const merged = Registry.merge([node.registry, deliveryRegistry(snapshot, visible)]);
  return { contentType: merged.contentType, text: await merged.metrics() };
}
