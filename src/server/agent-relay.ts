/**
 * Steps on agents connected to another node (issue 7). An agent keeps one session, with one
 * node; any node may run a deployment. The node running the step (A) attaches to the agent
 * through the node holding its session (B), over a WebSocket between the two
 * (`/api/v1/internal/agent-relay`, authenticated by a credential derived from the shared master
 * key). On A the agent then has a relayed session like a local one, so the command dispatcher
 * (agent-commands.ts) delivers, redelivers, fences and times out exactly as it does locally; B
 * passes frames through and tells A when the agent's session changes or ends.
 */
import type { FastifyBaseLogger } from 'fastify';
import WebSocket, { type RawData } from 'ws';
import type { AgentLocation } from '../app/agent-presence.js';
import { relayEventSchema, relayRequestSchema, NODE_CREDENTIAL_HEADER, type AgentMessage, type RelayEvent, type RelayRequest } from '../protocol/agent.js';
import type { AgentCommands } from './agent-commands.js';
import type { AgentLine, AgentSession, AgentSessionListener, AgentSessions } from './agent-sessions.js';

/** The node holding an agent's session passes frames about these commands back to the node that sent them. */
type CommandFrame = Extract<AgentMessage, { id: string }>;

interface Peer {
  readonly socket: WebSocket;
  readonly attached: Set<string>;
}

const send = (socket: WebSocket, frame: RelayEvent | RelayRequest) => {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
};

function parse<T>(data: RawData, schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } }): T | null {
  try {
    const parsed = schema.safeParse(JSON.parse(data.toString()));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** B's side: other nodes attach to agents whose sessions are here. */
export class AgentRelayHost implements AgentSessionListener {
  private readonly peers = new Set<Peer>();
  /** Command and tunnel ids sent through a peer: the agent's frames about them go back to it. */
  private readonly routes = new Map<string, Peer>();

  constructor(private readonly sessions: AgentSessions) {
    sessions.listen(this);
  }

  /** A node connected (its credential already checked). */
  accept(socket: WebSocket): void {
    const peer: Peer = { socket, attached: new Set() };
    this.peers.add(peer);
    socket.on('message', (data: RawData) => {
      const request = parse(data, relayRequestSchema);
      if (!request) return socket.close(1008, 'frame does not follow the relay protocol');
      if (request.type === 'attach') {
        peer.attached.add(request.agent);
        const session = this.localSession(request.agent);
        send(socket, session ? { type: 'session', agent: request.agent, sessionId: session.sessionId, lastSeenAt: session.lastSeenAt } : { type: 'gone', agent: request.agent, sessionId: null });
        return;
      }
      if (!peer.attached.has(request.agent) || !this.localSession(request.agent)) return;
      const message = request.message;
      if ('id' in message) {
        if (message.type === 'run' || message.type === 'tcp-open') this.routes.set(message.id, peer);
        // The sender answered the result, or ended the tunnel: nothing more comes back for it.
        if (message.type === 'ack' || message.type === 'refused' || message.type === 'tcp-end') this.routes.delete(message.id);
      }
      this.sessions.send(request.agent, message);
    });
    socket.on('close', () => {
      this.peers.delete(peer);
      for (const [id, routed] of this.routes) if (routed === peer) this.routes.delete(id);
    });
    socket.on('error', () => socket.terminate());
  }

  /** Passes an agent's frame on when it is about a command a peer sent; false when it is this node's own. */
  forward(agent: string, session: AgentSession, frame: CommandFrame): boolean {
    const peer = this.routes.get(frame.id);
    if (!peer || !peer.attached.has(agent)) return false;
    if (frame.type === 'tcp-end' || frame.type === 'tcp-error') this.routes.delete(frame.id);
    send(peer.socket, { type: 'from-agent', agent, sessionId: session.sessionId, frame });
    return true;
  }

  opened(name: string, session: AgentSession): void {
    if (session.relayed) return;
    for (const peer of this.peers) if (peer.attached.has(name)) send(peer.socket, { type: 'session', agent: name, sessionId: session.sessionId, lastSeenAt: session.lastSeenAt });
  }

  closed(name: string, session: AgentSession): void {
    if (session.relayed) return;
    for (const peer of this.peers) if (peer.attached.has(name)) send(peer.socket, { type: 'gone', agent: name, sessionId: session.sessionId });
  }

  close(): void {
    for (const peer of this.peers) peer.socket.close(1001, 'node shutting down');
  }

  private localSession(agent: string): AgentSession | null {
    const session = this.sessions.current(agent);
    return session && !session.relayed ? session : null;
  }
}

export interface RemoteAgentsOptions {
  readonly sessions: AgentSessions;
  readonly commands: AgentCommands;
  /** This node's owner name (`<node id>/<boot id>`). */
  readonly owner: string;
  /** The credential nodes of this installation share. */
  readonly credential: string;
  readonly whereabouts: (agent: string) => Promise<AgentLocation | null>;
  /** TLS options for connecting to nodes serving HTTPS. */
  readonly tls?: Pick<WebSocket.ClientOptions, 'ca'>;
  readonly now: () => string;
  readonly log: FastifyBaseLogger;
}

interface RemotePeer {
  readonly socket: WebSocket;
  readonly opened: Promise<void>;
  /** Agent name → the relayed session registered for it. */
  readonly sessions: Map<string, AgentSession>;
}

/** A's side: reaches agents connected to other nodes. */
/** How long reaching an agent waits for the other node to say where its session is. */
const ATTACH_TIMEOUT_MS = 5000;

export class RemoteAgents {
  private readonly peers = new Map<string, RemotePeer>();
  /** Agents being reached, and what finishes when the other node answered (or it took too long). */
  private readonly reaching = new Map<string, Promise<void>>();
  private readonly answered = new Map<string, () => void>();
  private closed = false;

  constructor(private readonly options: RemoteAgentsOptions) {}

  /**
   * Attaches to the agent through the node holding its session, if that is another node; when
   * it is connected nowhere, nothing happens (the step waits for it as for an offline agent).
   */
  reach(agent: string): Promise<void> {
    if (this.closed || this.options.sessions.current(agent)) return Promise.resolve();
    const running = this.reaching.get(agent);
    if (running) return running;
    const started = this.attach(agent).finally(() => this.reaching.delete(agent));
    this.reaching.set(agent, started);
    return started;
  }

  private async attach(agent: string): Promise<void> {
    try {
      const where = await this.options.whereabouts(agent);
      if (!where || where.owner === this.options.owner || !where.url) return;
      const peer = this.peer(where.url);
      await peer.opened;
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.answered.set(agent, resolve);
        timer = setTimeout(resolve, ATTACH_TIMEOUT_MS);
        send(peer.socket, { type: 'attach', agent });
      });
      clearTimeout(timer);
    } catch (error) {
      this.options.log.warn({ err: error, agent }, 'cannot reach the agent through the node holding its session; will retry when it reconnects');
    } finally {
      this.answered.delete(agent);
    }
  }

  close(): void {
    this.closed = true;
    for (const peer of this.peers.values()) peer.socket.close(1001, 'node shutting down');
  }

  private peer(url: string): RemotePeer {
    const existing = this.peers.get(url);
    if (existing && existing.socket.readyState <= WebSocket.OPEN) return existing;
    const relayUrl = new URL('/api/v1/internal/agent-relay', url);
    relayUrl.protocol = relayUrl.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(relayUrl, { headers: { [NODE_CREDENTIAL_HEADER]: this.options.credential }, ...this.options.tls });
    const peer: RemotePeer = {
      socket,
      sessions: new Map(),
      opened: new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
      }),
    };
    peer.opened.catch(() => undefined);
    this.peers.set(url, peer);
    socket.on('message', (data: RawData) => {
      const event = parse(data, relayEventSchema);
      if (event) this.handle(peer, event);
    });
    socket.on('close', () => {
      if (this.peers.get(url) === peer) this.peers.delete(url);
      for (const [agent, session] of peer.sessions) this.options.sessions.release(agent, session);
      peer.sessions.clear();
    });
    socket.on('error', () => socket.terminate());
    return peer;
  }

  private handle(peer: RemotePeer, event: RelayEvent): void {
    const { sessions, commands } = this.options;
    switch (event.type) {
      case 'session': {
        const current = sessions.current(event.agent);
        // The agent came to this node meanwhile: its own session wins.
        if (current && !current.relayed) return this.answered.get(event.agent)?.();
        const session: AgentSession = { sessionId: event.sessionId, lastSeenAt: event.lastSeenAt, relayed: true, socket: relayLine(peer.socket, event.agent) };
        peer.sessions.set(event.agent, session);
        sessions.register(event.agent, session);
        this.answered.get(event.agent)?.();
        return;
      }
      case 'gone': {
        this.answered.get(event.agent)?.();
        const session = peer.sessions.get(event.agent);
        if (!session || (event.sessionId !== null && session.sessionId !== event.sessionId)) return;
        peer.sessions.delete(event.agent);
        sessions.release(event.agent, session);
        return;
      }
      case 'from-agent': {
        const session = peer.sessions.get(event.agent);
        if (!session || session.sessionId !== event.sessionId || !('id' in event.frame)) return;
        session.lastSeenAt = this.options.now();
        const reply = commands.handle(event.agent, session, event.frame);
        if (reply) send(peer.socket, { type: 'to-agent', agent: event.agent, message: reply });
        return;
      }
    }
  }
}

/** The agent's session seen through the relay: frames go to the other node, wrapped for this agent. */
function relayLine(socket: WebSocket, agent: string): AgentLine {
  const prefix = `{"type":"to-agent","agent":${JSON.stringify(agent)},"message":`;
  return {
    get readyState() {
      return socket.readyState;
    },
    OPEN: WebSocket.OPEN,
    get bufferedAmount() {
      return socket.bufferedAmount;
    },
    send: (text) => socket.send(`${prefix}${text}}`),
    // The session belongs to the other node: closing it here only forgets it.
    close: () => undefined,
  };
}
