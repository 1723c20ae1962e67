/**
 * The agent's wire protocol, shared by `gantry agent` and the server. Loads only zod.
 *
 * Enrolment (once): POST /api/v1/agents/enrol with a one-time token and the agent's Ed25519
 * public key. Afterwards every connection is a WebSocket to /api/v1/agents/connect that the
 * agent authenticates by signing the server's fresh challenge; no reusable secret travels.
 */
import { z } from 'zod';
import { labelsSchema, nameSchema } from '../core/names.js';

/** 2: deployment steps (run/stdin/cancel/output/result) and TCP tunnels over the session. */
export const AGENT_PROTOCOL_VERSION = 2;
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
    /** The absolute directory on the agent's machine that holds `<app>/releases/<version>/` and `<app>/current`. */
    root: z.string().min(2).max(1000).regex(/^\/[^\0]*$/, 'must be an absolute path'),
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
    /** `id` and `versionId`: os-release's ID and VERSION_ID (`debian`, `12`), what advisories' ecosystems are matched on. */
    os: z.object({ name: z.string().max(200), version: z.string().max(200), id: z.string().max(100).optional(), versionId: z.string().max(100).optional() }),
    kernel: z.string().max(200),
    architecture: z.string().max(50),
    cpus: z.number().int().min(0).max(100_000),
    memoryBytes: z.number().min(0),
    disks: z.array(z.object({ mount: z.string().max(1000), sizeBytes: z.number().min(0), freeBytes: z.number().min(0) })).max(200),
    addresses: z.array(z.string().max(100)).max(200),
    /** `source`: the source package it was built from, when that has another name (dpkg): advisories name source packages. */
    packages: z.array(z.object({ name: z.string().max(200), version: z.string().max(200), source: z.string().max(200).optional() })).max(20_000),
    /** Which package manager listed `packages`, so that their versions are ordered by its rules. */
    packageFormat: z.enum(['dpkg', 'rpm']).optional(),
    /** The machine says it needs a reboot to finish an upgrade (Debian's /var/run/reboot-required). */
    rebootRequired: z.boolean().optional(),
    /** What the last policy check found about the files and services compliance policies name (the server asks; agents do not report it themselves). */
    checks: z
      .object({
        checkedAt: z.string().max(40),
        files: z
          .array(
            z.object({
              path: z.string().max(1000),
              exists: z.boolean(),
              mode: z.string().max(8).optional(),
              owner: z.string().max(64).optional(),
              matches: z.record(z.string().max(500), z.boolean()).optional(),
            }),
          )
          .max(500),
        services: z.array(z.object({ name: z.string().max(200), running: z.boolean() })).max(500),
      })
      .optional(),
    /** The agent's version; `none` for facts the server gathered itself over SSH. */
    agentVersion: z.string().max(50),
    uptimeSeconds: z.number().min(0),
  })
  .strict();
export type Facts = z.infer<typeof factsSchema>;

/**
 * Commands. The server sends `run` (then, if `stdin`, the input as `stdin` chunks and `stdin-end`);
 * the agent streams `output` and ends with one `result`. `id` names the command: the step-attempt
 * key and the command's place in it, so a redelivered `run` (after a reconnect) is answered from
 * what the agent remembers instead of running twice. `token` is the lease's fencing token; the
 * agent echoes it and the session the command reached it on, and the server refuses a result
 * whose token, session or id it is not waiting for (late, replayed, or from another session).
 */
const commandId = z.string().min(1).max(400);
const fencingToken = z.number().int().min(0);
const base64 = z.string().max(2 * 1024 * 1024);

/** The result of one command, as the agent reports it. `interrupted`: the agent restarted while it ran. */
export const commandResultSchema = z
  .object({
    exitCode: z.number().int().nullable(),
    exitSignal: z.string().max(20).nullable(),
    stdout: z.string().max(256 * 1024),
    stderr: z.string().max(64 * 1024),
    timedOut: z.boolean(),
    cancelled: z.boolean(),
    interrupted: z.boolean(),
  })
  .strict();
export type CommandResult = z.infer<typeof commandResultSchema>;

export const serverMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('challenge'), sessionId: z.string(), nonce: z.string() }),
  z.object({ type: z.literal('welcome'), name: z.string(), heartbeatMs: z.number().int().positive() }),
  z.object({ type: z.literal('heartbeat'), at: z.string() }),
  /** Run `script` with `sh -c` (its paths are absolute, under the agent's root); the process tree is killed after `timeoutMs`. */
  z.object({
    type: z.literal('run'),
    id: commandId,
    token: fencingToken,
    script: z.string().max(1024 * 1024),
    timeoutMs: z.number().int().positive().max(7 * 24 * 3_600_000),
    stdin: z.boolean(),
    /**
     * Sent again after a reconnect. The input is streamed once and not kept, so a redelivered
     * command comes without it: the agent answers from its journal, and fails a command it has
     * never seen that needs input.
     */
    redelivered: z.boolean().default(false),
  }),
  /** A chunk of a command's standard input, in order. */
  z.object({ type: z.literal('stdin'), id: commandId, data: base64 }),
  z.object({ type: z.literal('stdin-end'), id: commandId }),
  /** Kill the command's process tree (cancel); its result follows with `cancelled: true`. */
  z.object({ type: z.literal('cancel'), id: commandId }),
  /** The result was recorded (`duplicate`: it had been already; nothing more happened). */
  z.object({ type: z.literal('ack'), id: commandId, duplicate: z.boolean() }),
  /** The result was not accepted: the server no longer waits for it, or it is not from this session or lease. */
  z.object({ type: z.literal('refused'), id: commandId, reason: z.string().max(300) }),
  /** Open a TCP connection from the agent's machine (health checks); answered by tcp-opened or tcp-error. */
  z.object({ type: z.literal('tcp-open'), id: commandId, host: z.string().max(255), port: z.number().int().min(1).max(65535), timeoutMs: z.number().int().positive().max(3_600_000) }),
  z.object({ type: z.literal('tcp-data'), id: commandId, data: base64 }),
  z.object({ type: z.literal('tcp-end'), id: commandId }),
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;

export const agentMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), name: nameSchema, signature: z.string().max(200), protocol: z.literal(AGENT_PROTOCOL_VERSION), agentVersion: z.string().max(50) }).strict(),
  z.object({ type: z.literal('heartbeat'), at: z.string().max(50) }).strict(),
  z.object({ type: z.literal('facts'), facts: factsSchema }).strict(),
  z.object({ type: z.literal('output'), id: commandId, token: fencingToken, session: z.string().max(100), stream: z.enum(['stdout', 'stderr']), text: z.string().max(1024 * 1024) }).strict(),
  z.object({ type: z.literal('result'), id: commandId, token: fencingToken, session: z.string().max(100), result: commandResultSchema }).strict(),
  z.object({ type: z.literal('tcp-opened'), id: commandId }).strict(),
  z.object({ type: z.literal('tcp-error'), id: commandId, message: z.string().max(500) }).strict(),
  z.object({ type: z.literal('tcp-data'), id: commandId, data: base64 }).strict(),
  z.object({ type: z.literal('tcp-end'), id: commandId }).strict(),
]);
export type AgentMessage = z.infer<typeof agentMessageSchema>;

/** Largest frame either side accepts (facts with many packages fit well within it). */
export const MAX_AGENT_FRAME_BYTES = 4 * 1024 * 1024;

/**
 * Frames between two `gantry serve` nodes when a step runs on an agent connected to the other
 * one (`GET /api/v1/internal/agent-relay`, authenticated by a credential derived from the shared
 * master key). The node running the step attaches to the agent and sends it server frames; the
 * node holding the agent's session passes on the agent's frames about those commands, and says
 * when the agent's session changes or ends.
 */
export const relayRequestSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('attach'), agent: nameSchema }).strict(),
  z.object({ type: z.literal('to-agent'), agent: nameSchema, message: serverMessageSchema }).strict(),
]);
export type RelayRequest = z.infer<typeof relayRequestSchema>;

export const relayEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('session'), agent: nameSchema, sessionId: z.string().max(100), lastSeenAt: z.string().max(50) }).strict(),
  z.object({ type: z.literal('gone'), agent: nameSchema, sessionId: z.string().max(100).nullable() }).strict(),
  z.object({ type: z.literal('from-agent'), agent: nameSchema, sessionId: z.string().max(100), frame: agentMessageSchema }).strict(),
]);
export type RelayEvent = z.infer<typeof relayEventSchema>;

/** The header a node sends its relay credential in. */
export const NODE_CREDENTIAL_HEADER = 'x-gantry-node-credential';
export const NODE_CREDENTIAL_PURPOSE = 'node-relay';
