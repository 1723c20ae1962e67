import { allows } from '../core/access/access.js';
import type { Actor } from '../core/actor.js';
import { GantryError } from '../core/errors.js';
import { listNodes as listStoredNodes, type StoredNode } from '../store/nodes.repository.js';
import type { AppDeps } from './app-deps.js';

/** `up`; `stopped` by an orderly shutdown; `unresponsive`: no heartbeat for three intervals (killed, hung, cut off). */
export type NodeState = 'up' | 'stopped' | 'unresponsive';

export interface NodeView extends StoredNode {
  readonly state: NodeState;
}

const MISSED_HEARTBEATS = 3;

export function nodeState(node: Pick<StoredNode, 'stoppedAt' | 'heartbeatAt'>, now: Date, heartbeatMs: number): NodeState {
  if (node.stoppedAt !== null) return 'stopped';
  return now.getTime() - Date.parse(node.heartbeatAt) > MISSED_HEARTBEATS * heartbeatMs ? 'unresponsive' : 'up';
}

/** The nodes sharing this database, their last heartbeat and the deployments they run (the `targets` permission: it is infrastructure). */
export async function listNodes(deps: AppDeps, actor: Actor): Promise<NodeView[]> {
  if (!allows(actor.access, 'targets')) throw new GantryError('PERMISSION_DENIED', `${actor.user} may not list nodes`, { where: 'access' });
  const now = deps.clock.now();
  return (await listStoredNodes(deps.db, now.toISOString())).map((node) => ({ ...node, state: nodeState(node, now, deps.nodeHeartbeatMs) }));
}
