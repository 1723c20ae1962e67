/**
 * A tiny stand-in for the server side of the agent protocol, on 127.0.0.1:0: the enrolment
 * route (HTTP) and the agent WebSocket (challenge → verify the signature → welcome →
 * heartbeats). Each test shapes its behaviour with the options.
 */
import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { AGENT_CLOSE_CODES, AGENT_CONNECT_PATH, AGENT_ENROL_PATH, agentMessageSchema, challengeText, enrolRequestSchema, type AgentMessage } from '../../src/protocol/agent.js';

export interface FakeSession {
  readonly index: number;
  readonly ws: WebSocket;
  readonly messages: AgentMessage[];
  welcomed: boolean;
  /** The close code and who closed, once closed. */
  closed?: { code: number; reason: string };
}

export interface FakeAgentServerOptions {
  readonly heartbeatMs: number;
  /** Answers the enrolment POST; default: accept and register the key under the requested name. */
  readonly enrol?: (body: unknown) => { status: number; body: unknown } | undefined;
  /** Called once a session is welcomed. */
  readonly onWelcome?: (session: FakeSession) => void;
  /** When true for a session, the server never sends it a heartbeat (nor anything else) after the welcome. */
  readonly silent?: (session: FakeSession) => boolean;
  /** Listen on this port (default: any free one). */
  readonly port?: number;
  /** Agents already enrolled: name → raw public key. */
  readonly keys?: ReadonlyMap<string, string>;
}

export interface FakeAgentServer {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly enrolments: unknown[];
  readonly sessions: FakeSession[];
  /** Registered public keys (raw, base64) by agent name. */
  readonly keys: Map<string, string>;
  close(): Promise<void>;
}

/** An Ed25519 public KeyObject from the raw 32 bytes (base64): SPKI DER = fixed prefix + key. */
export function publicKeyFromRaw(raw: string): KeyObject {
  const prefix = Buffer.from('302a300506032b6570032100', 'hex');
  return createPublicKey({ key: Buffer.concat([prefix, Buffer.from(raw, 'base64')]), format: 'der', type: 'spki' });
}

export function problem(status: number, code: string, detail: string) {
  return { status, body: { type: `https://gantry.dev/errors/${code}`, title: code, status, code, detail } };
}

export async function startFakeAgentServer(options: FakeAgentServerOptions): Promise<FakeAgentServer> {
  const enrolments: unknown[] = [];
  const sessions: FakeSession[] = [];
  const keys = new Map<string, string>(options.keys ?? []);
  const timers = new Set<NodeJS.Timeout>();

  const http: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const reply = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' });
        response.end(JSON.stringify(body));
      };
      if (request.method !== 'POST' || request.url !== AGENT_ENROL_PATH) return reply(404, problem(404, 'ROUTE_NOT_FOUND', 'no such route').body);
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return reply(400, problem(400, 'REQUEST_INVALID', 'not JSON').body);
      }
      enrolments.push(body);
      const custom = options.enrol?.(body);
      if (custom) return reply(custom.status, custom.body);
      const parsed = enrolRequestSchema.safeParse(body);
      if (!parsed.success) return reply(400, problem(400, 'REQUEST_INVALID', parsed.error.message).body);
      if (keys.has(parsed.data.name)) return reply(409, problem(409, 'TARGET_EXISTS', `target ${parsed.data.name} exists`).body);
      keys.set(parsed.data.name, parsed.data.publicKey);
      return reply(201, { name: parsed.data.name, labels: parsed.data.labels });
    });
  });

  const wss = new WebSocketServer({ server: http, path: AGENT_CONNECT_PATH });
  wss.on('connection', (ws) => {
    const session: FakeSession = { index: sessions.length, ws, messages: [], welcomed: false };
    sessions.push(session);
    const sessionId = `s-${session.index}`;
    const nonce = randomBytes(16).toString('base64');
    let heartbeats: NodeJS.Timeout | undefined;
    ws.on('message', (data) => {
      let message: AgentMessage;
      try {
        message = agentMessageSchema.parse(JSON.parse(String(data)));
      } catch {
        ws.close(AGENT_CLOSE_CODES.protocolError, 'protocol error');
        return;
      }
      session.messages.push(message);
      if (message.type !== 'hello') return;
      const key = keys.get(message.name);
      const valid = key !== undefined && verify(null, Buffer.from(challengeText(sessionId, nonce)), publicKeyFromRaw(key), Buffer.from(message.signature, 'base64'));
      if (!valid) {
        ws.close(AGENT_CLOSE_CODES.unauthenticated, 'unknown agent or bad signature');
        return;
      }
      session.welcomed = true;
      ws.send(JSON.stringify({ type: 'welcome', name: message.name, heartbeatMs: options.heartbeatMs }));
      if (!options.silent?.(session)) {
        heartbeats = setInterval(() => ws.send(JSON.stringify({ type: 'heartbeat', at: new Date().toISOString() })), options.heartbeatMs);
        timers.add(heartbeats);
      }
      options.onWelcome?.(session);
    });
    ws.on('close', (code, reason) => {
      session.closed = { code, reason: reason.toString() };
      clearInterval(heartbeats);
    });
    ws.send(JSON.stringify({ type: 'challenge', sessionId, nonce }));
  });

  await new Promise<void>((resolve) => http.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    enrolments,
    sessions,
    keys,
    async close() {
      for (const timer of timers) clearInterval(timer);
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** Polls until `predicate` holds (or throws after `timeoutMs`). */
export async function waitFor(predicate: () => boolean, timeoutMs = 5000, what = 'the condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
