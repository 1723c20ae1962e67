/**
 * The agent's live session: one outbound WebSocket to the server, kept up for as long as the
 * agent runs.
 *
 *   server → challenge {sessionId, nonce}
 *   agent  → hello {name, signature over challengeText(sessionId, nonce), protocol, agentVersion}
 *   server → welcome {heartbeatMs}   (or closes with an AGENT_CLOSE_CODES code)
 *   both   → heartbeat every heartbeatMs; agent → facts right after welcome and every interval
 *   server → commands (run, stdin, cancel, tcp-open, …), handed to the CommandRunner, which
 *            answers on this connection while it is up (commands.ts)
 *
 * The agent drops a connection on which it has heard nothing for 3 × heartbeatMs (or no welcome
 * within the handshake timeout) and reconnects with exponential backoff and full jitter. It
 * stops for good only when the server says it is revoked (4403) or does not know it (4401).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket, type ClientOptions, type RawData } from 'ws';
import { AGENT_CLOSE_CODES, AGENT_PROTOCOL_VERSION, MAX_AGENT_FRAME_BYTES, serverMessageSchema, type AgentMessage, type Facts } from '../protocol/agent.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffSettings } from './backoff.js';
import { isCommandMessage, type CommandRunner } from './commands.js';
import { signChallenge, type AgentKey } from './identity.js';
import type { PinnedTlsOptions } from './server-pin.js';

export interface SessionOptions {
  /**
   * The ws:// or wss:// URLs of the agent endpoint (agentSocketUrl) of each node of the server:
   * the first is tried first, and each failed or dropped connection moves on to the next.
   */
  readonly urls: readonly string[];
  readonly name: string;
  readonly key: AgentKey;
  readonly agentVersion: string;
  readonly collectFacts: () => Promise<Facts>;
  readonly factsIntervalMs: number;
  /** One line per state change (connected, disconnected and when the next try is). */
  readonly log: (line: string) => void;
  /** Aborting it closes the session and ends runSessions with 'stopped'. */
  readonly signal: AbortSignal;
  readonly backoff?: BackoffSettings;
  /** In [0, 1); replaces Math.random for the jitter (tests). */
  readonly random?: () => number;
  /** How long connecting, the challenge and the welcome may take together (default 15 s). */
  readonly handshakeTimeoutMs?: number;
  /** A session welcomed and up this long resets the backoff to its first step (default 30 s). */
  readonly stableAfterMs?: number;
  /** Runs the commands the server sends; attached to each welcomed connection. Without one, commands are ignored. */
  readonly runner?: CommandRunner;
  /** Trust only the pinned server certificate (wss:// with --server-fingerprint). */
  readonly tls?: PinnedTlsOptions;
}

/** Why runSessions ended: stopped by the caller, revoked (4403), or not known to the server (4401). */
export type SessionsEnd = 'stopped' | 'revoked' | 'unknown';

export interface AttemptResult {
  /** The server welcomed the agent on this connection. */
  readonly welcomed: boolean;
  /** How long the session was up after the welcome (0 if never welcomed). */
  readonly upMs: number;
  /** The WebSocket close code (1006 when the connection failed or was cut). */
  readonly code: number;
  /** Why the connection ended, for the log. */
  readonly why: string;
}

const DEFAULT_HANDSHAKE_TIMEOUT_MS = 15_000;
const DEFAULT_STABLE_AFTER_MS = 30_000;
/** Missed heartbeats before the agent gives up on a connection. */
export const HEARTBEAT_MISSES = 3;

const CLOSE_MEANINGS: Record<number, string> = {
  1000: 'closed normally',
  1001: 'the server is going away',
  1005: 'no close code',
  1006: 'connection lost',
  1011: 'server error',
  1012: 'the server is restarting',
  [AGENT_CLOSE_CODES.unauthenticated]: 'not authenticated',
  [AGENT_CLOSE_CODES.revoked]: 'revoked',
  [AGENT_CLOSE_CODES.heartbeatTimeout]: 'the server missed our heartbeats',
  [AGENT_CLOSE_CODES.replaced]: 'replaced by a newer connection of this agent',
  [AGENT_CLOSE_CODES.protocolError]: 'protocol error',
};

export function formatSeconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;
}

function describeClose(code: number, reason: string): string {
  const meaning = CLOSE_MEANINGS[code];
  const detail = [meaning, reason && reason !== meaning ? reason : undefined].filter(Boolean).join(': ');
  return `the server closed the connection (${code}${detail ? ` ${detail}` : ''})`;
}

/** One connection to `url`: handshake, heartbeats, facts, until it closes. Never rejects. */
export function connectOnce(options: SessionOptions, url: string): Promise<AttemptResult> {
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  return new Promise((resolve) => {
    const ws = new WebSocket(url, {
      maxPayload: MAX_AGENT_FRAME_BYTES,
      handshakeTimeout: handshakeTimeoutMs,
      perMessageDeflate: false,
      followRedirects: false,
      // ws hands TLS options to tls.connect as they are; its typing of checkServerIdentity is not Node's.
      ...(options.tls as ClientOptions | undefined),
    });
    let phase: 'challenge' | 'hello' | 'live' = 'challenge';
    /** From the challenge: the runner stamps output and results with it. */
    let sessionId = '';
    let attached = false;
    let heartbeatMs = 0;
    let welcomedAt: number | undefined;
    let lastError: string | undefined;
    /** Why we closed it ourselves, if we did. */
    let ourReason: string | undefined;
    let watchdog: NodeJS.Timeout | undefined;
    let heartbeats: NodeJS.Timeout | undefined;
    let factsTimer: NodeJS.Timeout | undefined;
    let forceClose: NodeJS.Timeout | undefined;
    let collecting = false;
    let closed = false;

    const drop = (why: string) => {
      ourReason ??= why;
      ws.terminate();
    };
    const closeWith = (code: number, why: string) => {
      ourReason ??= why;
      if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN) ws.close(code, why.slice(0, 120));
      forceClose ??= setTimeout(() => ws.terminate(), 2000);
    };
    const armWatchdog = (ms: number, why: string) => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => drop(why), ms);
    };
    const heard = () => {
      if (phase === 'live') armWatchdog(HEARTBEAT_MISSES * heartbeatMs, `no word from the server for ${formatSeconds(HEARTBEAT_MISSES * heartbeatMs)}`);
    };
    const send = (message: AgentMessage) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message), () => undefined);
    };
    const sendFacts = async () => {
      if (collecting) return;
      collecting = true;
      try {
        const facts = await options.collectFacts();
        if (!closed) send({ type: 'facts', facts });
      } catch (error) {
        options.log(`facts not sent: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        collecting = false;
      }
    };
    const onAbort = () => closeWith(1000, 'agent stopping');

    armWatchdog(handshakeTimeoutMs, `no welcome from the server within ${formatSeconds(handshakeTimeoutMs)}`);
    options.signal.addEventListener('abort', onAbort, { once: true });
    if (options.signal.aborted) onAbort();

    ws.on('message', (data: RawData, isBinary: boolean) => {
      heard();
      let message;
      try {
        if (isBinary) throw new Error('binary frame');
        message = serverMessageSchema.parse(JSON.parse(rawText(data)));
      } catch {
        closeWith(AGENT_CLOSE_CODES.protocolError, 'protocol error: the server sent a frame this agent does not understand');
        return;
      }
      switch (message.type) {
        case 'challenge':
          if (phase !== 'challenge') return closeWith(AGENT_CLOSE_CODES.protocolError, 'protocol error: a second challenge');
          phase = 'hello';
          sessionId = message.sessionId;
          send({
            type: 'hello',
            name: options.name,
            signature: signChallenge(options.key, message.sessionId, message.nonce),
            protocol: AGENT_PROTOCOL_VERSION,
            agentVersion: options.agentVersion,
          });
          return;
        case 'welcome':
          if (phase !== 'hello') return closeWith(AGENT_CLOSE_CODES.protocolError, 'protocol error: a welcome without a challenge answered');
          phase = 'live';
          // Timers overflow past 2^31 ms; nor is a flood of heartbeats sent on request.
          heartbeatMs = Math.min(Math.max(message.heartbeatMs, 10), 3_600_000);
          welcomedAt = Date.now();
          heard();
          options.log(`connected to ${url} as ${options.name} (heartbeat every ${formatSeconds(heartbeatMs)})`);
          heartbeats = setInterval(() => send({ type: 'heartbeat', at: new Date().toISOString() }), heartbeatMs);
          factsTimer = setInterval(() => void sendFacts(), options.factsIntervalMs);
          void sendFacts();
          if (options.runner) {
            options.runner.attach({ sessionId, send });
            attached = true;
          }
          return;
        case 'heartbeat':
          return;
      }
      if (!isCommandMessage(message)) return;
      if (phase !== 'live') return closeWith(AGENT_CLOSE_CODES.protocolError, `protocol error: a ${message.type} before the welcome`);
      try {
        options.runner?.handle(message);
      } catch (error) {
        // handle() does not throw; if it ever did, the connection must survive it.
        options.log(`the ${message.type} message for ${message.id} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
    ws.on('ping', heard);
    ws.on('error', (error: Error) => {
      lastError = error.message;
    });
    ws.on('close', (code: number, reason: Buffer) => {
      closed = true;
      clearTimeout(watchdog);
      clearTimeout(forceClose);
      clearInterval(heartbeats);
      clearInterval(factsTimer);
      options.signal.removeEventListener('abort', onAbort);
      if (attached) options.runner?.detach();
      const serverReason = reason.toString('utf8');
      // A close code from the server wins over our own guess (a close frame is what it said).
      const why = code !== 1005 && code !== 1006 && ourReason === undefined ? describeClose(code, serverReason) : (ourReason ?? lastError ?? describeClose(code, serverReason));
      resolve({ welcomed: welcomedAt !== undefined, upMs: welcomedAt === undefined ? 0 : Date.now() - welcomedAt, code, why });
    });
  });
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

/**
 * Keeps a session up until the signal aborts ('stopped'), the server revokes the agent
 * ('revoked', close code 4403) or does not know it ('unknown', 4401). Never rejects.
 */
export async function runSessions(options: SessionOptions): Promise<SessionsEnd> {
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const stableAfterMs = options.stableAfterMs ?? DEFAULT_STABLE_AFTER_MS;
  let attempt = 0;
  let next = 0;
  while (!options.signal.aborted) {
    const url = options.urls[next % options.urls.length]!;
    const result = await connectOnce(options, url);
    if (options.signal.aborted) break;
    if (result.code === AGENT_CLOSE_CODES.revoked) return 'revoked';
    if (result.code === AGENT_CLOSE_CODES.unauthenticated) return 'unknown';
    if (result.welcomed && result.upMs >= stableAfterMs) attempt = 0;
    // Another node may be up while this one is not.
    next += 1;
    const delay = backoffDelay(attempt, backoff, options.random);
    attempt++;
    options.log(`${result.welcomed ? 'disconnected' : 'cannot connect'}: ${result.why}; retrying in ${formatSeconds(delay)}`);
    try {
      await sleep(delay, undefined, { signal: options.signal });
    } catch {
      break;
    }
  }
  return 'stopped';
}
