import { sql, type Kysely } from 'kysely';
import { TERMINAL_DEPLOYMENT_STATES } from '../core/deployment/deployment-machine.js';
import type { Database } from './schema.js';

/**
 * The counts behind `/metrics` (issue 10), read at scrape time so that every node answers the
 * same figures and a restart resets none of them. Each query is one aggregate or a bounded read.
 */

export interface EndedDeploymentCount {
  readonly app: string;
  readonly environment: string;
  readonly kind: string;
  readonly state: string;
  readonly count: number;
}

/** Deployments that ended, by application, environment, kind and end state. */
export async function countEndedDeployments(db: Kysely<Database>): Promise<EndedDeploymentCount[]> {
  const rows = await db
    .selectFrom('deployments')
    .select(['app', 'environment', 'kind', 'state', sql<number>`count(*)`.as('count')])
    .where('state', 'in', [...TERMINAL_DEPLOYMENT_STATES])
    .groupBy(['app', 'environment', 'kind', 'state'])
    .execute();
  return rows.map((row) => ({ app: row.app, environment: row.environment, kind: row.kind, state: row.state, count: Number(row.count) }));
}

export interface FinishedDeploymentSpan {
  readonly app: string;
  readonly environment: string;
  readonly state: string;
  readonly startedAt: string;
  readonly finishedAt: string;
}

/** Deployments that started and ended at or after `since` (ISO-8601: text order is time order). */
export async function listFinishedSince(db: Kysely<Database>, since: string): Promise<FinishedDeploymentSpan[]> {
  const rows = await db
    .selectFrom('deployments')
    .select(['app', 'environment', 'state', 'started_at', 'finished_at'])
    .where('state', 'in', [...TERMINAL_DEPLOYMENT_STATES])
    .where('finished_at', '>=', since)
    .where('started_at', 'is not', null)
    .execute();
  return rows.map((row) => ({ app: row.app, environment: row.environment, state: row.state, startedAt: row.started_at!, finishedAt: row.finished_at! }));
}

export interface PerEnvironmentCount {
  readonly app: string;
  readonly environment: string;
  readonly count: number;
}

/** Deployments waiting their turn (queued), per application and environment. */
export async function countQueuedDeployments(db: Kysely<Database>): Promise<PerEnvironmentCount[]> {
  const rows = await db.selectFrom('deployments').select(['app', 'environment', sql<number>`count(*)`.as('count')]).where('state', '=', 'queued').groupBy(['app', 'environment']).execute();
  return rows.map((row) => ({ app: row.app, environment: row.environment, count: Number(row.count) }));
}

/** Tasks with a step started and not yet recorded as finished (deploying or rolling back), per application and environment. */
export async function countStepsInFlight(db: Kysely<Database>): Promise<PerEnvironmentCount[]> {
  const rows = await db
    .selectFrom('tasks')
    .innerJoin('deployments', 'deployments.id', 'tasks.deployment_id')
    .select(['deployments.app', 'deployments.environment', sql<number>`count(*)`.as('count')])
    .where('tasks.state', 'in', ['running', 'rolling_back'])
    .where('tasks.step', 'is not', null)
    .where('tasks.step_done', '=', 0)
    .groupBy(['deployments.app', 'deployments.environment'])
    .execute();
  return rows.map((row) => ({ app: row.app, environment: row.environment, count: Number(row.count) }));
}

export interface AgentSessionRow {
  readonly agent: string;
  /** The owning node's last heartbeat and orderly stop, or null when that boot is not registered. */
  readonly node: { readonly heartbeatAt: string; readonly stoppedAt: string | null } | null;
}

/** Every agent session any node recorded, with the state of the node that holds it. */
export async function listAgentSessions(db: Kysely<Database>): Promise<AgentSessionRow[]> {
  const [presence, nodes] = await Promise.all([
    db.selectFrom('agent_presence').select(['agent', 'owner']).execute(),
    db.selectFrom('nodes').select(['id', 'boot_id', 'heartbeat_at', 'stopped_at']).execute(),
  ]);
  const byOwner = new Map(nodes.map((node) => [`${node.id}/${node.boot_id}`, { heartbeatAt: node.heartbeat_at, stoppedAt: node.stopped_at }]));
  return presence.map((row) => ({ agent: row.agent, node: byOwner.get(row.owner) ?? null }));
}

export interface DeliveryAttemptCount {
  /** The channel's type, or null when the channel was removed since. */
  readonly channelType: string | null;
  readonly delivered: boolean;
  readonly count: number;
}

/** Notification delivery attempts, by channel type and whether the attempt delivered. */
export async function countDeliveryAttempts(db: Kysely<Database>): Promise<DeliveryAttemptCount[]> {
  const rows = await db
    .selectFrom('notification_attempts')
    .innerJoin('notifications', 'notifications.id', 'notification_attempts.notification_id')
    .leftJoin('notification_channels', 'notification_channels.name', 'notifications.channel')
    .select(['notification_channels.type', 'notification_attempts.delivered', sql<number>`count(*)`.as('count')])
    .groupBy(['notification_channels.type', 'notification_attempts.delivered'])
    .execute();
  return rows.map((row) => ({ channelType: row.type, delivered: Number(row.delivered) === 1, count: Number(row.count) }));
}
