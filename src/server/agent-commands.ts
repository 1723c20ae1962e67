/**
 * The server's side of running deployment steps on agents (the AgentLink the executor uses).
 *
 * Delivery is at-least-once: a command is sent when it is issued and again on every new session
 * of its agent until its result arrives, and the agent answers a command it already ran with the
 * result it kept. A result is accepted once, and only from the session the command was last
 * delivered on, with the fencing token it was sent with; anything else is refused and changes
 * nothing. A command whose agent stays offline past the heartbeat timeout fails (TARGET_UNREACHABLE)
 * so the step counts as failed for the strategy; a revoked agent's commands fail at once.
 */
import { randomUUID } from 'node:crypto';
import { Duplex, type Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { GantryError } from '../core/errors.js';
import type { AgentMessage, CommandResult, ServerMessage } from '../protocol/agent.js';
import type { AgentSession, AgentSessionListener, AgentSessions } from './agent-sessions.js';

type OutputSink = (stream: 'stdout' | 'stderr', text: string) => void;

interface Command {
  readonly id: string;
  readonly token: number;
  readonly script: string;
  readonly timeoutMs: number;
  readonly stdin: Readable | null;
}

interface Pending {
  readonly agent: string;
  readonly command: Command;
  readonly onOutput: OutputSink | undefined;
  /** The session the command was last sent on; results from any other are refused. */
  deliveredOn: string | null;
  offlineTimer?: NodeJS.Timeout;
  /** Ends the wait; `fromAgent` when the agent's own result was accepted (not a timeout, cancel or loss). */
  settle(outcome: { result: CommandResult } | { error: GantryError }, fromAgent?: boolean): void;
}

interface Tunnel {
  readonly agent: string;
  readonly sessionId: string;
  readonly stream: Duplex;
  opened?: (error?: GantryError) => void;
}

export interface AgentCommandSettings {
  /** An agent silent this long is offline; its commands in flight fail. */
  readonly offlineMs: number;
  /** Grace after a command's own timeout before the server stops waiting for its result. */
  readonly resultGraceMs: number;
  /** How long a cancelled command may take to report its killed process tree. */
  readonly cancelGraceMs: number;
  readonly now: () => number;
}

const STDIN_CHUNK_BYTES = 256 * 1024;
/** Input is read no faster than the agent's socket drains: at most this much waits in its buffer. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** Settled command ids remembered to tell a replayed result (ignored) from an unknown one (refused). */
const SETTLED_REMEMBERED = 20_000;

const CANCELLED: CommandResult = { exitCode: null, exitSignal: null, stdout: '', stderr: '', timedOut: false, cancelled: true, interrupted: false };

export class AgentCommands implements AgentSessionListener {
  private readonly pending = new Map<string, Pending>();
  /** id → its agent, and whether a result was accepted (else the step stopped waiting); oldest first. */
  private readonly settled = new Map<string, { readonly agent: string; readonly accepted: boolean }>();
  private readonly tunnels = new Map<string, Tunnel>();
  /** Told when a command or tunnel is for an agent with no session here (it may be connected to another node). */
  private missing: (agent: string) => Promise<void> = async () => undefined;

  constructor(
    private readonly sessions: AgentSessions,
    private readonly settings: AgentCommandSettings,
  ) {
    sessions.listen(this);
  }

  isOnline(agent: string): boolean {
    return this.sessions.current(agent) !== null;
  }

  whenMissing(listener: (agent: string) => Promise<void>): void {
    this.missing = listener;
  }

  async reachable(agent: string): Promise<boolean> {
    if (this.isOnline(agent)) return true;
    await this.missing(agent);
    return this.isOnline(agent);
  }

  /** Whether a command waits for this agent (to reach it when it connects to another node). */
  isAwaited(agent: string): boolean {
    for (const pending of this.pending.values()) if (pending.agent === agent) return true;
    return false;
  }

  run(agent: string, command: Command, options: { readonly signal?: AbortSignal; readonly onOutput?: OutputSink }): Promise<CommandResult> {
    if (this.pending.has(command.id) || this.settled.has(command.id)) {
      return Promise.reject(new Error(`agent command ${command.id} was issued twice`));
    }
    return new Promise<CommandResult>((resolve, reject) => {
      const timers: NodeJS.Timeout[] = [];
      const onAbort = (): void => {
        // Ask the agent to kill the process tree, and give it a moment to say it has.
        if (pending.deliveredOn !== null) this.sessions.send(agent, { type: 'cancel', id: command.id });
        if (!this.isOnline(agent)) return pending.settle({ result: CANCELLED });
        timers.push(setTimeout(() => pending.settle({ result: CANCELLED }), this.settings.cancelGraceMs));
      };
      const pending: Pending = {
        agent,
        command,
        onOutput: options.onOutput,
        deliveredOn: null,
        settle: (outcome, fromAgent = false) => {
          if (this.pending.get(command.id) !== pending) return;
          this.pending.delete(command.id);
          this.remember(command.id, { agent, accepted: fromAgent });
          clearTimeout(pending.offlineTimer);
          for (const timer of timers) clearTimeout(timer);
          command.stdin?.destroy();
          options.signal?.removeEventListener('abort', onAbort);
          if ('error' in outcome) reject(outcome.error);
          else resolve(outcome.result);
        },
      };
      this.pending.set(command.id, pending);
      timers.push(
        setTimeout(() => {
          pending.settle({
            error: new GantryError('TARGET_UNREACHABLE', `agent ${agent} did not report how a command ended within its timeout of ${command.timeoutMs} ms`, { target: agent }),
          });
        }, command.timeoutMs + this.settings.resultGraceMs),
      );
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const session = this.sessions.current(agent);
      if (session) this.deliver(pending, session);
      else {
        this.waitForReturn(pending, this.settings.now());
        void this.missing(agent);
      }
      if (options.signal?.aborted) onAbort();
    });
  }

  openTunnel(agent: string, host: string, port: number, timeoutMs: number): Promise<Duplex> {
    const session = this.sessions.current(agent);
    if (!session) {
      void this.missing(agent);
      return Promise.reject(new GantryError('TARGET_UNREACHABLE', `agent ${agent} is offline`, { target: agent }));
    }
    const id = `tcp/${randomUUID()}`;
    const send = (message: ServerMessage) => this.sessions.current(agent)?.sessionId === session.sessionId && this.sessions.send(agent, message);
    let ended = false;
    const stream = new Duplex({
      read: () => undefined,
      write: (chunk: Buffer, _encoding, callback) => {
        send({ type: 'tcp-data', id, data: chunk.toString('base64') });
        callback();
      },
      final: (callback) => {
        ended = true;
        send({ type: 'tcp-end', id });
        callback();
      },
      destroy: (error, callback) => {
        this.tunnels.delete(id);
        if (!ended) send({ type: 'tcp-end', id });
        callback(error);
      },
    });
    return new Promise<Duplex>((resolve, reject) => {
      const timer = setTimeout(() => tunnel.opened?.(new GantryError('HEALTH_CHECK_FAILED', `connecting to ${host}:${port} timed out after ${timeoutMs} ms`, { host, port })), timeoutMs);
      const tunnel: Tunnel = {
        agent,
        sessionId: session.sessionId,
        stream,
        opened: (error) => {
          clearTimeout(timer);
          tunnel.opened = undefined;
          if (!error) return resolve(stream);
          stream.destroy();
          reject(error);
        },
      };
      this.tunnels.set(id, tunnel);
      send({ type: 'tcp-open', id, host, port, timeoutMs });
    });
  }

  /** A frame about a command or tunnel, from `agent` on `session`. Returns the reply to send, if any. */
  handle(agent: string, session: AgentSession, frame: Extract<AgentMessage, { id: string }>): ServerMessage | null {
    switch (frame.type) {
      case 'output': {
        const pending = this.pending.get(frame.id);
        if (pending && this.refusal(pending, agent, session, frame) === null) pending.onOutput?.(frame.stream, frame.text);
        return null;
      }
      case 'result': {
        const pending = this.pending.get(frame.id);
        if (!pending) {
          const settled = this.settled.get(frame.id);
          if (settled?.agent === agent && settled.accepted) return { type: 'ack', id: frame.id, duplicate: true };
          if (settled?.agent === agent) return { type: 'refused', id: frame.id, reason: 'too late: the step stopped waiting for this result (the agent was offline, it timed out, or it was cancelled)' };
          return { type: 'refused', id: frame.id, reason: 'no step is waiting for this result' };
        }
        const reason = this.refusal(pending, agent, session, frame);
        if (reason !== null) return { type: 'refused', id: frame.id, reason };
        pending.settle({ result: frame.result }, true);
        return { type: 'ack', id: frame.id, duplicate: false };
      }
      default:
        this.handleTunnelFrame(agent, session, frame);
        return null;
    }
  }

  opened(agent: string, session: AgentSession): void {
    for (const pending of this.pending.values()) {
      if (pending.agent !== agent) continue;
      clearTimeout(pending.offlineTimer);
      this.deliver(pending, session);
    }
  }

  closed(agent: string, session: AgentSession, why: 'gone' | 'revoked'): void {
    for (const [id, tunnel] of this.tunnels) {
      if (tunnel.agent === agent && tunnel.sessionId === session.sessionId) {
        this.tunnels.delete(id);
        const error = new GantryError('HEALTH_CHECK_FAILED', `the connection to agent ${agent} was lost`, { target: agent });
        if (tunnel.opened) tunnel.opened(error);
        else tunnel.stream.destroy(error);
      }
    }
    for (const pending of this.pending.values()) {
      if (pending.agent !== agent) continue;
      if (why === 'revoked') pending.settle({ error: new GantryError('TARGET_UNREACHABLE', `agent ${agent} was revoked while a step ran on it`, { target: agent }) });
      else this.waitForReturn(pending, Date.parse(session.lastSeenAt));
    }
  }

  private deliver(pending: Pending, session: AgentSession): void {
    const { command, agent } = pending;
    const redelivered = pending.deliveredOn !== null;
    pending.deliveredOn = session.sessionId;
    const run = { type: 'run', id: command.id, token: command.token, script: command.script, timeoutMs: command.timeoutMs, stdin: command.stdin !== null, redelivered } as const;
    if (this.sessions.send(agent, run) && command.stdin !== null && !redelivered) void this.streamInput(pending, session, command.stdin);
  }

  /** Streams a command's input to the session it was first delivered on, as fast as that drains. */
  private async streamInput(pending: Pending, session: AgentSession, input: Readable): Promise<void> {
    const { agent, command } = pending;
    const live = () => this.pending.get(command.id) === pending && this.sessions.current(agent)?.sessionId === session.sessionId;
    try {
      for await (const data of input) {
        const chunk = Buffer.isBuffer(data) ? data : Buffer.from(data as string);
        for (let offset = 0; offset < chunk.length; offset += STDIN_CHUNK_BYTES) {
          while (live() && session.socket.bufferedAmount > MAX_BUFFERED_BYTES) await sleep(5);
          if (!live()) return;
          this.sessions.send(agent, { type: 'stdin', id: command.id, data: chunk.subarray(offset, offset + STDIN_CHUNK_BYTES).toString('base64') });
        }
      }
      if (live()) this.sessions.send(agent, { type: 'stdin-end', id: command.id });
    } catch (error) {
      if (live()) this.sessions.send(agent, { type: 'cancel', id: command.id });
      pending.settle({ error: new GantryError('STEP_FAILED', 'reading the input for a step failed', { target: agent }, { cause: error }) });
    } finally {
      input.destroy();
    }
  }

  /** The agent is gone: the command fails once the agent has been silent for the offline timeout. */
  private waitForReturn(pending: Pending, lastSeenMs: number): void {
    clearTimeout(pending.offlineTimer);
    const silentFor = Math.max(0, this.settings.now() - lastSeenMs);
    pending.offlineTimer = setTimeout(
      () => {
        pending.settle({
          error: new GantryError('TARGET_UNREACHABLE', `agent ${pending.agent} went offline while a step ran on it (no heartbeat for ${Math.round(this.settings.offlineMs / 1000)} s)`, { target: pending.agent }),
        });
      },
      Math.max(0, this.settings.offlineMs - silentFor),
    );
  }

  /** Why a frame about a pending command is not accepted, or null if it is. */
  private refusal(pending: Pending, agent: string, session: AgentSession, frame: { readonly token: number; readonly session: string }): string | null {
    if (pending.agent !== agent) return 'this command was not sent to this agent';
    if (frame.session !== session.sessionId || pending.deliveredOn !== session.sessionId) return 'the command was not delivered on this session';
    if (frame.token !== pending.command.token) return `stale fencing token ${frame.token}: the deployment's lease is now held with token ${pending.command.token}`;
    return null;
  }

  private handleTunnelFrame(agent: string, session: AgentSession, frame: Extract<AgentMessage, { type: 'tcp-opened' | 'tcp-error' | 'tcp-data' | 'tcp-end' }>): void {
    const tunnel = this.tunnels.get(frame.id);
    if (!tunnel || tunnel.agent !== agent || tunnel.sessionId !== session.sessionId) return;
    switch (frame.type) {
      case 'tcp-opened':
        tunnel.opened?.();
        return;
      case 'tcp-error':
        if (tunnel.opened) tunnel.opened(new GantryError('HEALTH_CHECK_FAILED', frame.message, { target: agent }));
        else tunnel.stream.destroy(new Error(frame.message));
        return;
      case 'tcp-data':
        if (!tunnel.opened) tunnel.stream.push(Buffer.from(frame.data, 'base64'));
        return;
      case 'tcp-end':
        if (!tunnel.opened) tunnel.stream.push(null);
        return;
    }
  }

  private remember(id: string, settled: { readonly agent: string; readonly accepted: boolean }): void {
    this.settled.set(id, settled);
    if (this.settled.size > SETTLED_REMEMBERED) this.settled.delete(this.settled.keys().next().value!);
  }
}
