import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { authenticateAgent, recordAgentDisconnected, recordAgentFacts } from '../app/agents.js';
import type { AppDeps } from '../app/app-deps.js';
import { recordAudit } from '../app/audit.js';
import { AGENT_CLOSE_CODES, agentMessageSchema, type ServerMessage } from '../protocol/agent.js';
import type { AgentCommands } from './agent-commands.js';
import { ANONYMOUS_ACTOR } from './audit-hook.js';
import type { AgentSession, AgentSessions } from './agent-sessions.js';
import type { RefusalBudget } from './refusal-budget.js';
import type { AgentRelayContext } from './server-context.js';

/** How long a new connection has to answer the challenge. */
const HELLO_TIMEOUT_MS = 10_000;
/** Missing this many heartbeats in a row ends the session. */
const MISSED_HEARTBEATS = 3;

export interface AgentChannelDeps {
  readonly app: AppDeps;
  readonly sessions: AgentSessions;
  readonly commands: AgentCommands;
  readonly relay: Pick<AgentRelayContext, 'host'>;
  readonly heartbeatMs: number;
  readonly log: FastifyBaseLogger;
  /** Bounds the audit records of refused handshakes and results (shared by all connections). */
  readonly refusals: RefusalBudget;
}

/** What the audit log calls an agent proven by its session. */
export const agentActor = (name: string) => `agent:${name}`;

/** Why a handshake was refused, in the audit log's words. */
const HANDSHAKE_REFUSALS = { unknown: 'refused: unknown agent', revoked: 'refused: revoked agent', 'bad-signature': 'refused: bad signature' } as const;

/**
 * One agent connection: a fresh challenge, the agent's signed answer, then heartbeats both ways,
 * fact reports, and the frames of the commands and tunnels it runs (agent-commands.ts).
 * Frames are handled one at a time, in order.
 */
export function acceptAgentConnection(socket: WebSocket, deps: AgentChannelDeps, address: string): void {
  const sessionId = randomUUID();
  const nonce = randomBytes(32).toString('base64');
  const now = () => deps.app.clock.now().toISOString();
  const send = (message: ServerMessage) => socket.send(JSON.stringify(message));
  let session: (AgentSession & { readonly name: string }) | null = null;
  let heartbeat: NodeJS.Timeout | undefined;
  let queue = Promise.resolve();

  const helloTimer = setTimeout(() => socket.close(AGENT_CLOSE_CODES.unauthenticated, 'no answer to the challenge'), HELLO_TIMEOUT_MS);
  send({ type: 'challenge', sessionId, nonce });

  /**
   * Audits a refused handshake or command result, or an ignored replay, within the refusal budget
   * (so that a flood of them cannot fill the store); best effort: a failure is logged.
   */
  const audit = async (entry: { actor: string; action: string; resource: string; outcome: string; details: Record<string, unknown> }): Promise<void> => {
    const allowed = deps.refusals.take(entry.actor === ANONYMOUS_ACTOR ? `${ANONYMOUS_ACTOR}@${address}` : entry.actor);
    if (allowed === null) return;
    const details = allowed.unrecorded > 0 ? { ...entry.details, unrecordedRefusals: allowed.unrecorded } : entry.details;
    try {
      await recordAudit(deps.app, { ...entry, address, details });
    } catch (error) {
      deps.log.warn({ err: error, action: entry.action }, 'an agent refusal could not be written to the audit log');
    }
  };

  const handle = async (data: RawData): Promise<void> => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(data.toString());
    } catch {
      socket.close(AGENT_CLOSE_CODES.protocolError, 'frames are JSON');
      return;
    }
    const message = agentMessageSchema.safeParse(parsed);
    if (!message.success) {
      socket.close(AGENT_CLOSE_CODES.protocolError, 'frame does not follow the protocol');
      return;
    }
    const frame = message.data;
    if (!session) {
      if (frame.type !== 'hello') {
        socket.close(AGENT_CLOSE_CODES.unauthenticated, 'answer the challenge first');
        return;
      }
      const result = await authenticateAgent(deps.app, { name: frame.name, sessionId, nonce, signature: frame.signature });
      if (!result.ok) {
        deps.log.warn({ agent: frame.name, reason: result.reason }, 'agent refused');
        // The claimed name is not proven: the caller is anonymous, the name a detail.
        await audit({ actor: ANONYMOUS_ACTOR, action: 'agent connect', resource: `/agents/${frame.name}`, outcome: HANDSHAKE_REFUSALS[result.reason], details: { agent: frame.name, session: sessionId } });
        // A bad signature is told as `unknown`: the peer learns nothing about which names exist.
        socket.close(result.reason === 'revoked' ? AGENT_CLOSE_CODES.revoked : AGENT_CLOSE_CODES.unauthenticated, result.reason === 'revoked' ? 'revoked' : 'unknown');
        return;
      }
      clearTimeout(helloTimer);
      session = { name: frame.name, sessionId, socket, lastSeenAt: now() };
      // Welcome first: registering redelivers the commands waiting for this agent.
      send({ type: 'welcome', name: frame.name, heartbeatMs: deps.heartbeatMs });
      deps.sessions.register(frame.name, session);
      heartbeat = setInterval(() => {
        if (Date.parse(now()) - Date.parse(session!.lastSeenAt) > MISSED_HEARTBEATS * deps.heartbeatMs) {
          // A silent peer would not answer a closing handshake either: end the session now.
          socket.close(AGENT_CLOSE_CODES.heartbeatTimeout, 'no heartbeat');
          socket.terminate();
          return;
        }
        send({ type: 'heartbeat', at: now() });
      }, deps.heartbeatMs);
      deps.log.info({ agent: frame.name, agentVersion: frame.agentVersion }, 'agent connected');
      return;
    }
    session.lastSeenAt = now();
    switch (frame.type) {
      case 'hello':
        socket.close(AGENT_CLOSE_CODES.protocolError, 'already authenticated');
        return;
      case 'heartbeat':
        return;
      case 'facts':
        await recordAgentFacts(deps.app, session.name, frame.facts);
        return;
      default: {
        // A command another node sent through this one: its frames go back there.
        if (deps.relay.host.forward(session.name, session, frame)) return;
        const reply = deps.commands.handle(session.name, session, frame);
        if (reply) {
          if (reply.type === 'refused') deps.log.warn({ agent: session.name, command: reply.id, reason: reply.reason }, 'agent result refused');
          if (reply.type === 'refused' || (reply.type === 'ack' && reply.duplicate)) {
            await audit({
              actor: agentActor(session.name),
              action: 'agent result',
              resource: `/agents/${session.name}/commands/${reply.id}`.slice(0, 1000),
              outcome: reply.type === 'refused' ? 'refused' : 'ignored: duplicate',
              details: { agent: session.name, session: session.sessionId, command: reply.id.slice(0, 200), ...(reply.type === 'refused' ? { reason: reply.reason } : {}) },
            });
          }
          send(reply);
        }
      }
    }
  };

  socket.on('message', (data: RawData) => {
    queue = queue.then(() => handle(data)).catch((error: unknown) => {
      deps.log.error({ err: error }, 'agent frame failed');
      socket.close(1011, 'server error');
    });
  });
  socket.on('close', () => {
    clearTimeout(helloTimer);
    clearInterval(heartbeat);
    if (session && deps.sessions.release(session.name, session)) {
      deps.log.info({ agent: session.name }, 'agent disconnected');
      void recordAgentDisconnected(deps.app, session.name).catch(() => undefined);
    }
  });
  socket.on('error', () => socket.terminate());
}
