/**
 * The agent's identity in its directory: an Ed25519 key pair (`agent.key`, the private key as
 * PKCS#8 PEM, mode 0600) and, once enrolment succeeded, `agent.json` (name, server, public key).
 *
 * The key is written before enrolment and kept if enrolment fails, so a retry registers the same
 * key. `agent.json` is written only after the server accepted the key: its presence means
 * "enrolled". Both files are written to a temporary name and then linked or renamed into place,
 * so a crash never leaves half a file behind.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { link, lstat, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { challengeText, publicKeySchema } from '../protocol/agent.js';
import { AGENT_EXIT_CODES, AgentFailure } from './failure.js';

export const AGENT_KEY_FILE = 'agent.key';
export const AGENT_CONFIG_FILE = 'agent.json';

export interface AgentKey {
  readonly privateKey: KeyObject;
  /** base64 of the raw 32-byte public key: what the server stores and verifies against. */
  readonly publicKey: string;
}

const agentConfigSchema = z.object({
  name: z.string(),
  server: z.string(),
  publicKey: publicKeySchema,
  enrolledAt: z.string(),
  /** The server's pinned TLS certificate (server-pin.ts), when enrolled with --server-fingerprint. */
  serverPin: z.object({ fingerprint: z.string(), certificate: z.string() }).optional(),
});
export type AgentConfig = z.infer<typeof agentConfigSchema>;

function invalidDir(message: string, cause?: unknown): AgentFailure {
  return new AgentFailure('AGENT_DIR_INVALID', message, AGENT_EXIT_CODES.invalid, { cause });
}

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/** The raw 32-byte Ed25519 public key of `key` (public or private), base64: the last 32 bytes of its SPKI DER. */
export function rawPublicKey(key: KeyObject): string {
  const spki = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'der', type: 'spki' });
  return spki.subarray(spki.length - 32).toString('base64');
}

export function generateAgentKey(): AgentKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey: rawPublicKey(privateKey) };
}

/** base64 of the Ed25519 signature of the challenge text for this session and nonce. */
export function signChallenge(key: AgentKey, sessionId: string, nonce: string): string {
  return sign(null, Buffer.from(challengeText(sessionId, nonce), 'utf8'), key.privateKey).toString('base64');
}

/** Creates the agent directory (mode 0700) if it does not exist. */
export async function ensureAgentDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw invalidDir(`the agent directory ${dir} cannot be created: ${(error as Error).message}`, error);
  }
  const stat = await lstat(dir);
  if (!stat.isDirectory()) throw invalidDir(`${dir} is not a directory`);
}

/** Writes `data` to `dir/file` with mode 0600 through a temporary file; `exclusive` refuses to replace an existing file. */
async function writePrivateFile(dir: string, file: string, data: string, exclusive: boolean): Promise<void> {
  const temporary = join(dir, `.${file}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(data, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    if (exclusive) {
      await link(temporary, join(dir, file));
      await unlink(temporary);
    } else {
      await rename(temporary, join(dir, file));
    }
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

/** Reads `dir/agent.key`; undefined if there is none. Refuses a key other users can read. */
export async function loadAgentKey(dir: string): Promise<AgentKey | undefined> {
  const path = join(dir, AGENT_KEY_FILE);
  let stat;
  try {
    stat = await lstat(path);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw invalidDir(`${path} cannot be read: ${(error as Error).message}`, error);
  }
  if (!stat.isFile()) throw invalidDir(`${path} is not a regular file`);
  if ((stat.mode & 0o077) !== 0) {
    throw invalidDir(`${path} is accessible by other users (mode ${(stat.mode & 0o777).toString(8).padStart(4, '0')}); run \`chmod 600 ${path}\``);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(await readFile(path, 'utf8'));
  } catch (error) {
    throw invalidDir(`${path} is not a readable private key (remove it and enrol again with a new token)`, error);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw invalidDir(`${path} is a ${privateKey.asymmetricKeyType ?? 'unknown'} key, not Ed25519`);
  return { privateKey, publicKey: rawPublicKey(privateKey) };
}

/** The key in `dir`, or a new one saved there (mode 0600). */
export async function loadOrCreateAgentKey(dir: string): Promise<{ key: AgentKey; created: boolean }> {
  const existing = await loadAgentKey(dir);
  if (existing) return { key: existing, created: false };
  const key = generateAgentKey();
  const pem = key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  try {
    await writePrivateFile(dir, AGENT_KEY_FILE, pem, true);
  } catch (error) {
    // Another process created it first: use that one.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      const winner = await loadAgentKey(dir);
      if (winner) return { key: winner, created: false };
    }
    throw invalidDir(`${join(dir, AGENT_KEY_FILE)} cannot be written: ${(error as Error).message}`, error);
  }
  return { key, created: true };
}

/** Reads `dir/agent.json`; undefined if the agent has not enrolled yet. */
export async function readAgentConfig(dir: string): Promise<AgentConfig | undefined> {
  const path = join(dir, AGENT_CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw invalidDir(`${path} cannot be read: ${(error as Error).message}`, error);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalidDir(`${path} is not JSON`, error);
  }
  const parsed = agentConfigSchema.safeParse(value);
  if (!parsed.success) throw invalidDir(`${path} does not have the expected fields (name, server, publicKey, enrolledAt)`, parsed.error);
  return parsed.data;
}

export async function writeAgentConfig(dir: string, config: AgentConfig): Promise<void> {
  try {
    await writePrivateFile(dir, AGENT_CONFIG_FILE, `${JSON.stringify(config, null, 2)}\n`, false);
  } catch (error) {
    throw invalidDir(`${join(dir, AGENT_CONFIG_FILE)} cannot be written: ${(error as Error).message}`, error);
  }
}
