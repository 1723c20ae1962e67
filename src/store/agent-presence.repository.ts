import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Where an agent's live session is, and how to reach that node. */
export interface AgentWhereabouts {
  readonly owner: string;
  readonly sessionId: string;
  /** When the session began. */
  readonly since: string;
  /** The owning node as registered (that very boot of it), or null when it is not. */
  readonly node: { readonly url: string | null; readonly heartbeatAt: string; readonly stoppedAt: string | null } | null;
}

/** The agent's session is now on `owner` (a reconnect elsewhere replaces the old row). */
export async function recordAgentPresence(db: Kysely<Database>, agent: string, owner: string, sessionId: string, since: string): Promise<void> {
  const row = { owner, session_id: sessionId, since };
  await db
    .insertInto('agent_presence')
    .values({ agent, ...row })
    .onConflict((conflict) => conflict.column('agent').doUpdateSet(row))
    .execute();
}

/** The session ended; a newer session elsewhere (another row value) is left alone. */
export async function clearAgentPresence(db: Kysely<Database>, agent: string, sessionId: string): Promise<void> {
  await db.deleteFrom('agent_presence').where('agent', '=', agent).where('session_id', '=', sessionId).execute();
}

export async function findAgentPresence(db: Kysely<Database>, agent: string): Promise<AgentWhereabouts | null> {
  const row = await db.selectFrom('agent_presence').select(['owner', 'session_id', 'since']).where('agent', '=', agent).executeTakeFirst();
  if (!row) return null;
  const [nodeId, bootId] = row.owner.split('/');
  const node = await db.selectFrom('nodes').select(['url', 'heartbeat_at', 'stopped_at']).where('id', '=', nodeId ?? '').where('boot_id', '=', bootId ?? '').executeTakeFirst();
  return { owner: row.owner, sessionId: row.session_id, since: row.since, node: node ? { url: node.url, heartbeatAt: node.heartbeat_at, stoppedAt: node.stopped_at } : null };
}
