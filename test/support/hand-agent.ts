/**
 * Plays the agent's side of the protocol by hand, so the server is checked against the wire
 * format itself (and can be sent frames a well-behaved agent never sends).
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import WebSocket from 'ws';
import { AGENT_PROTOCOL_VERSION, challengeText, type ServerMessage } from '../../src/protocol/agent.js';
import type { TestGantry } from './gantry-server.js';

export function keyPair(): { publicKey: string; privateKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { publicKey: publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64'), privateKey };
}

export interface HandAgent {
  readonly socket: WebSocket;
  readonly welcome: Promise<unknown>;
  readonly closed: Promise<number>;
  /** The session id from the challenge (set once it arrived). */
  sessionId(): string;
  /** The next frame of one of these types the server sends (bounded wait). */
  next<T extends ServerMessage['type']>(type: T | readonly T[], timeoutMs?: number): Promise<Extract<ServerMessage, { type: T }>>;
  send(frame: unknown): void;
}

export async function connectHandAgent(gantry: TestGantry, name: string, privateKey: KeyObject): Promise<HandAgent> {
  const socket = new WebSocket(`${gantry.url.replace('http', 'ws')}/api/v1/agents/connect`);
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  const received: ServerMessage[] = [];
  const waiters: (() => void)[] = [];
  let sessionId = '';
  let resolveWelcome: (welcome: unknown) => void = () => undefined;
  const welcome = new Promise<unknown>((resolve) => (resolveWelcome = resolve));
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as ServerMessage;
    if (message.type === 'challenge') {
      sessionId = message.sessionId;
      const signature = sign(null, Buffer.from(challengeText(message.sessionId, message.nonce)), privateKey).toString('base64');
      socket.send(JSON.stringify({ type: 'hello', name, signature, protocol: AGENT_PROTOCOL_VERSION, agentVersion: '0.1.0' }));
    }
    if (message.type === 'welcome') resolveWelcome(message);
    received.push(message);
    for (const wake of waiters.splice(0)) wake();
  });
  return {
    socket,
    welcome,
    closed,
    sessionId: () => sessionId,
    send: (frame) => socket.send(JSON.stringify(frame)),
    async next(type, timeoutMs = 15_000) {
      const types: readonly string[] = Array.isArray(type) ? type : [type];
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const index = received.findIndex((message) => types.includes(message.type));
        if (index >= 0) return received.splice(index, 1)[0] as never;
        if (Date.now() > deadline) throw new Error(`no ${types.join(' or ')} frame within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
    },
  };
}
