/**
 * The agent's wire protocol, shared by `gantry agent` and the server. Loads only zod.
 *
 * Enrolment (once): POST /api/v1/agents/enrol with a one-time token and the agent's Ed25519
 * public key. Afterwards every connection is a WebSocket to /api/v1/agents/connect that the
 * agent authenticates by signing the server's fresh challenge; no reusable secret travels.
 */
import { z } from 'zod';
import { labelsSchema, nameSchema } from '../core/names.js';

export const AGENT_PROTOCOL_VERSION = 1;
export const AGENT_CONNECT_PATH = '/api/v1/agents/connect';
export const AGENT_ENROL_PATH = '/api/v1/agents/enrol';

/** WebSocket close codes the server uses (4000–4999 are for applications). */
export const AGENT_CLOSE_CODES = {
  /** Unknown agent, bad signature, or a malformed hello. */
  unauthenticated: 4401,
  /** The agent was revoked. */
  revoked: 4403,
  /** No heartbeat within the timeout. */
  heartbeatTimeout: 4408,
  /** The same agent connected again; this older session is dropped. */
  replaced: 4409,
  /** A frame that does not follow the protocol. */
  protocolError: 4400,
} as const;

/** base64 of the raw 32-byte Ed25519 public key. */
export const publicKeySchema = z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'must be a base64 raw Ed25519 public key (32 bytes)');

export const enrolRequestSchema = z
  .object({
    token: z.string().min(1).max(200),
    name: nameSchema,
    publicKey: publicKeySchema,
    labels: labelsSchema.default({}),
  })
  .strict();
export type EnrolRequest = z.input<typeof enrolRequestSchema>;

export const enrolResponseSchema = z.object({ name: z.string(), labels: z.record(z.string(), z.string()) });

/** The text an agent signs to answer a challenge: bound to the session and the nonce. */
export function challengeText(sessionId: string, nonce: string): string {
  return `gantry-agent-auth:v${AGENT_PROTOCOL_VERSION}:${sessionId}:${nonce}`;
}

/** Facts a machine reports about itself: the inventory's source. */
export const factsSchema = z
  .object({
    hostname: z.string().max(255),
    os: z.object({ name: z.string().max(200), version: z.string().max(200) }),
    kernel: z.string().max(200),
    architecture: z.string().max(50),
    cpus: z.number().int().min(0).max(100_000),
    memoryBytes: z.number().min(0),
    disks: z.array(z.object({ mount: z.string().max(1000), sizeBytes: z.number().min(0), freeBytes: z.number().min(0) })).max(200),
    addresses: z.array(z.string().max(100)).max(200),
    packages: z.array(z.object({ name: z.string().max(200), version: z.string().max(200) })).max(20_000),
    agentVersion: z.string().max(50),
    uptimeSeconds: z.number().min(0),
  })
  .strict();
export type Facts = z.infer<typeof factsSchema>;

export const serverMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('challenge'), sessionId: z.string(), nonce: z.string() }),
  z.object({ type: z.literal('welcome'), name: z.string(), heartbeatMs: z.number().int().positive() }),
  z.object({ type: z.literal('heartbeat'), at: z.string() }),
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;

export const agentMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), name: nameSchema, signature: z.string().max(200), protocol: z.literal(AGENT_PROTOCOL_VERSION), agentVersion: z.string().max(50) }).strict(),
  z.object({ type: z.literal('heartbeat'), at: z.string().max(50) }).strict(),
  z.object({ type: z.literal('facts'), facts: factsSchema }).strict(),
]);
export type AgentMessage = z.infer<typeof agentMessageSchema>;

/** Largest frame either side accepts (facts with many packages fit well within it). */
export const MAX_AGENT_FRAME_BYTES = 4 * 1024 * 1024;
