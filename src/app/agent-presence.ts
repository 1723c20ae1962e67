import { clearAgentPresence, findAgentPresence, recordAgentPresence, type AgentWhereabouts } from '../store/agent-presence.repository.js';
import type { AppDeps } from './app-deps.js';
import { nodeState } from './nodes.js';

/** Where an agent's live session is: the node holding it (up now) and how to reach that node. */
export interface AgentLocation {
  readonly owner: string;
  readonly sessionId: string;
  readonly since: string;
  readonly url: string | null;
}

/** The agent's live session is now on this node (`owner`: `<node id>/<boot id>`). */
export function agentConnectedHere(deps: AppDeps, agent: string, owner: string, sessionId: string): Promise<void> {
  return recordAgentPresence(deps.db, agent, owner, sessionId, deps.clock.now().toISOString());
}

export function agentLeft(deps: AppDeps, agent: string, sessionId: string): Promise<void> {
  return clearAgentPresence(deps.db, agent, sessionId);
}

/**
 * Which node holds the agent's live session, and its URL; null when the agent is connected
 * nowhere, or only to a node that stopped or stopped beating (killed: its rows stay behind).
 */
export async function agentWhereabouts(deps: AppDeps, agent: string): Promise<AgentLocation | null> {
  const found: AgentWhereabouts | null = await findAgentPresence(deps.db, agent);
  if (!found?.node || nodeState(found.node, deps.clock.now(), deps.nodeHeartbeatMs) !== 'up') return null;
  return { owner: found.owner, sessionId: found.sessionId, since: found.since, url: found.node.url };
}
