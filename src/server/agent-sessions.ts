import type { WebSocket } from 'ws';
import type { AgentPresence } from '../app/app-deps.js';
import { AGENT_CLOSE_CODES } from '../protocol/agent.js';

export interface AgentSession {
  readonly sessionId: string;
  readonly socket: WebSocket;
  lastSeenAt: string;
}

/** The agents connected to this server, one live session per agent name. */
export class AgentSessions implements AgentPresence {
  private readonly sessions = new Map<string, AgentSession>();

  sessionOf(name: string): { readonly lastSeenAt: string } | null {
    const session = this.sessions.get(name);
    return session ? { lastSeenAt: session.lastSeenAt } : null;
  }

  /** Makes this the agent's session; an older one (a reconnect racing its own ghost) is closed. */
  register(name: string, session: AgentSession): void {
    const older = this.sessions.get(name);
    this.sessions.set(name, session);
    older?.socket.close(AGENT_CLOSE_CODES.replaced, 'replaced by a newer session');
  }

  /** Forgets the session if it is still the agent's current one; returns whether it was. */
  release(name: string, sessionId: string): boolean {
    if (this.sessions.get(name)?.sessionId !== sessionId) return false;
    this.sessions.delete(name);
    return true;
  }

  disconnect(name: string, reason: 'revoked'): void {
    const session = this.sessions.get(name);
    if (!session) return;
    this.sessions.delete(name);
    session.socket.close(AGENT_CLOSE_CODES[reason], reason);
  }

  /** Server shutdown: "going away" (1001) tells agents to reconnect, to this server or another. */
  closeAll(): void {
    for (const session of this.sessions.values()) session.socket.close(1001, 'server shutting down');
    this.sessions.clear();
  }
}
