import type { AgentPresence } from '../app/app-deps.js';
import { AGENT_CLOSE_CODES, type ServerMessage } from '../protocol/agent.js';

/**
 * What a session needs of its connection: the agent's own WebSocket, or, for an agent connected
 * to another node, the relay through that node (agent-relay.ts).
 */
export interface AgentLine {
  readonly readyState: number;
  readonly OPEN: number;
  readonly bufferedAmount: number;
  send(text: string): void;
  close(code?: number, reason?: string): void;
}

export interface AgentSession {
  readonly sessionId: string;
  readonly socket: AgentLine;
  lastSeenAt: string;
  /** Set for a session held by another node and reached through it. */
  readonly relayed?: true;
}

/** Told when an agent's live session changes (the command dispatcher redelivers and times out on these). */
export interface AgentSessionListener {
  opened(name: string, session: AgentSession): void;
  closed(name: string, session: AgentSession, why: 'gone' | 'revoked'): void;
}

/** The agents connected to this server, one live session per agent name. */
export class AgentSessions implements AgentPresence {
  private readonly sessions = new Map<string, AgentSession>();
  private readonly listeners: AgentSessionListener[] = [];

  listen(listener: AgentSessionListener): void {
    this.listeners.push(listener);
  }

  sessionOf(name: string): { readonly lastSeenAt: string } | null {
    const session = this.sessions.get(name);
    return session ? { lastSeenAt: session.lastSeenAt } : null;
  }

  current(name: string): AgentSession | null {
    return this.sessions.get(name) ?? null;
  }

  /** Sends a frame on the agent's live session; false if it has none (or it is closing). */
  send(name: string, message: ServerMessage): boolean {
    const session = this.sessions.get(name);
    if (!session || session.socket.readyState !== session.socket.OPEN) return false;
    session.socket.send(JSON.stringify(message));
    return true;
  }

  /** Makes this the agent's session; an older one (a reconnect racing its own ghost) is closed. */
  register(name: string, session: AgentSession): void {
    const older = this.sessions.get(name);
    this.sessions.set(name, session);
    older?.socket.close(AGENT_CLOSE_CODES.replaced, 'replaced by a newer session');
    for (const listener of this.listeners) listener.opened(name, session);
  }

  /** Forgets the session if it is still the agent's current one; returns whether it was. */
  release(name: string, session: AgentSession): boolean {
    if (this.sessions.get(name)?.sessionId !== session.sessionId) return false;
    this.sessions.delete(name);
    for (const listener of this.listeners) listener.closed(name, session, 'gone');
    return true;
  }

  disconnect(name: string, reason: 'revoked'): void {
    const session = this.sessions.get(name);
    if (!session) return;
    this.sessions.delete(name);
    session.socket.close(AGENT_CLOSE_CODES[reason], reason);
    for (const listener of this.listeners) listener.closed(name, session, reason);
  }

  /** Server shutdown: "going away" (1001) tells agents to reconnect, to this server or another. */
  closeAll(): void {
    for (const session of this.sessions.values()) session.socket.close(1001, 'server shutting down');
    this.sessions.clear();
  }
}
