import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** A `gantry serve` node as the database knows it, with the deployments it holds a live lease on. */
export interface StoredNode {
  readonly id: string;
  readonly bootId: string;
  readonly url: string | null;
  readonly version: string;
  readonly startedAt: string;
  readonly heartbeatAt: string;
  readonly stoppedAt: string | null;
  readonly deployments: readonly string[];
}

export interface NodeStart {
  readonly id: string;
  readonly bootId: string;
  readonly url: string | null;
  readonly version: string;
  readonly at: string;
}

/** Records a node's start: a new boot of a known node replaces its old row. */
export async function registerNode(db: Kysely<Database>, node: NodeStart): Promise<void> {
  const row = { boot_id: node.bootId, url: node.url, version: node.version, started_at: node.at, heartbeat_at: node.at, stopped_at: null };
  await db
    .insertInto('nodes')
    .values({ id: node.id, ...row })
    .onConflict((conflict) => conflict.column('id').doUpdateSet(row))
    .execute();
}

/** The node's heartbeat; false when another boot of the same node id has taken the row over. */
export async function recordNodeHeartbeat(db: Kysely<Database>, id: string, bootId: string, at: string): Promise<boolean> {
  const result = await db.updateTable('nodes').set({ heartbeat_at: at }).where('id', '=', id).where('boot_id', '=', bootId).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function recordNodeStopped(db: Kysely<Database>, id: string, bootId: string, at: string): Promise<void> {
  await db.updateTable('nodes').set({ stopped_at: at, heartbeat_at: at }).where('id', '=', id).where('boot_id', '=', bootId).execute();
}

/** Every node, with the deployments whose lease it holds and has not let lapse at `now`. */
export async function listNodes(db: Kysely<Database>, now: string): Promise<StoredNode[]> {
  const [nodes, leases] = await Promise.all([
    db.selectFrom('nodes').selectAll().orderBy('id').execute(),
    db
      .selectFrom('deployments')
      .select(['id', 'lease_owner'])
      .where('lease_owner', 'is not', null)
      .where('lease_expires_at', '>', now)
      .where('state', 'in', ['running', 'rolling_back'])
      .orderBy('created_at')
      .execute(),
  ]);
  return nodes.map((node) => ({
    id: node.id,
    bootId: node.boot_id,
    url: node.url,
    version: node.version,
    startedAt: node.started_at,
    heartbeatAt: node.heartbeat_at,
    stoppedAt: node.stopped_at,
    deployments: leases.filter((lease) => lease.lease_owner === `${node.id}/${node.boot_id}`).map((lease) => lease.id),
  }));
}
