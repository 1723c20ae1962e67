/**
 * `gantry agent`: the process that runs on a target. Enrols once (when its directory holds no
 * identity yet), then keeps an authenticated session to the server until SIGINT/SIGTERM.
 *
 * Runs the commands the server sends (deployment steps, TCP tunnels for health checks) with the
 * local transport, in `<dir>/apps` (mode 0700, sent as the target's root at enrolment), and
 * remembers them in `<dir>/attempts/` so that none runs twice, even across a restart.
 *
 * Loads only the protocol, core, node builtins, ws, zod and the local transport's few files
 * (src/executors/local.ts and what it needs): never the server, the store, the engine or the
 * CLI's client and output code. Writes one line per state change to stderr.
 */
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { isSafeName, labelsSchema } from '../core/names.js';
import type { Facts } from '../protocol/agent.js';
import { safeAgentName } from './agent-name.js';
import { lockAgentDir, type DirLock } from './dir-lock.js';
import { AttemptJournal } from './attempt-journal.js';
import type { BackoffSettings } from './backoff.js';
import { CommandRunner } from './commands.js';
import { enrol } from './enrol.js';
import { collectFacts } from './facts.js';
import { AGENT_EXIT_CODES, AgentFailure, isAgentFailure } from './failure.js';
import { ensureAgentDir, loadAgentKey, loadOrCreateAgentKey, readAgentConfig, writeAgentConfig, type AgentConfig, type AgentKey } from './identity.js';
import { agentSocketUrl, normaliseServerUrl } from './server-url.js';
import { fetchPinnedCertificate, normaliseFingerprint, pinnedFetch, pinnedTlsOptions, type ServerPin } from './server-pin.js';
import { runSessions } from './session.js';
import { readAgentVersion } from './version.js';

/** The environment variable the enrolment token may come from; deleted as soon as it is read. */
export const ENROL_TOKEN_ENV = 'GANTRY_ENROL_TOKEN';
export const DEFAULT_FACTS_INTERVAL_MS = 10 * 60_000;
export const MIN_FACTS_INTERVAL_MS = 1000;
export const MAX_FACTS_INTERVAL_MS = 24 * 3_600_000;

export interface RunAgentOptions {
  /**
   * The server's base URL, http(s)://host[:port]; for several nodes of one installation, their
   * URLs separated by commas: the agent enrols with the first and connects to the next one
   * whenever its connection fails or drops.
   */
  readonly server: string;
  /** The one-time enrolment token; otherwise taken from GANTRY_ENROL_TOKEN. Only used while not enrolled. */
  readonly enrolToken?: string | undefined;
  /** The agent's directory: key pair, identity, `apps/` (the releases) and `attempts/`. Created (0700) if missing. */
  readonly dir: string;
  /** Labels asked for at enrolment (the token's labels win). */
  readonly labels: Record<string, string>;
  /** SHA-256 fingerprint of the server's TLS certificate, pinned at enrolment (https servers). */
  readonly serverFingerprint?: string | undefined;
  /** The target name to enrol as (default: the host name, made safe). */
  readonly name?: string | undefined;
  /** How often to report facts after the first report of each session (default 10 min). */
  readonly factsIntervalMs?: number | undefined;

  // ----- for tests and embedding -----
  /** Where GANTRY_ENROL_TOKEN is read from and deleted (default process.env). */
  readonly env?: Record<string, string | undefined>;
  /** Where the log lines go (default process.stderr). */
  readonly stderr?: { write(chunk: string): unknown };
  /** Stops the agent like SIGINT. */
  readonly signal?: AbortSignal;
  /** Stop on SIGINT/SIGTERM (default true). */
  readonly handleSignals?: boolean;
  /** Replaces the collection of this machine's facts. */
  readonly collectFacts?: () => Promise<Facts>;
  readonly backoff?: BackoffSettings;
  readonly handshakeTimeoutMs?: number;
  readonly stableAfterMs?: number;
  readonly random?: () => number;
}

function invalid(code: string, message: string): AgentFailure {
  return new AgentFailure(code, message, AGENT_EXIT_CODES.invalid);
}

function formatLabels(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

function checkOptions(options: RunAgentOptions): void {
  if (options.name !== undefined && !isSafeName(options.name)) {
    throw invalid('NAME_INVALID', `--name ${JSON.stringify(options.name.slice(0, 100))} must be 1-100 letters, digits, ".", "_", "+" or "-", starting with a letter or digit`);
  }
  const labels = labelsSchema.safeParse(options.labels);
  if (!labels.success) throw invalid('REQUEST_INVALID', `--label: ${labels.error.issues[0]?.message ?? 'not valid'}`);
  const interval = options.factsIntervalMs;
  if (interval !== undefined && (!Number.isFinite(interval) || interval < MIN_FACTS_INTERVAL_MS || interval > MAX_FACTS_INTERVAL_MS)) {
    throw invalid('REQUEST_INVALID', '--facts-interval must be from 1s to 24h');
  }
}

/**
 * Runs the agent until SIGINT/SIGTERM (resolves 0). Resolves 5 when the server revokes the
 * agent or does not know it, and the exit code of any failure to start (printed as one
 * `error[CODE]: message` line).
 */
export async function runAgent(options: RunAgentOptions): Promise<number> {
  // The enrolment token must not stay in this process's environment (nor reach its children).
  const env = options.env ?? process.env;
  const envToken = env[ENROL_TOKEN_ENV];
  delete env[ENROL_TOKEN_ENV];
  const token = options.enrolToken || envToken || undefined;

  const stderr = options.stderr ?? process.stderr;
  const log = (line: string) => stderr.write(`${new Date().toISOString()} gantry agent: ${line}\n`);
  const report = (failure: AgentFailure): number => {
    stderr.write(`error[${failure.code}]: ${failure.message}\n`);
    return failure.exitCode;
  };

  const controller = new AbortController();
  const stop = () => controller.abort();
  const handleSignals = options.handleSignals ?? true;
  if (handleSignals) {
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  }
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.signal?.aborted) stop();

  let lock: DirLock | undefined;
  let journal: AttemptJournal | undefined;
  try {
    checkOptions(options);
    const servers = options.server.split(',').map((url) => normaliseServerUrl(url.trim()));
    const server = servers[0]!;
    await ensureAgentDir(options.dir);
    lock = await lockAgentDir(options.dir);
    const root = await ensureAppsDir(options.dir);
    journal = await openJournal(options.dir, log);
    const runner = new CommandRunner({ root, journal, log });
    const { config, key } = await identify(options, servers, token, root, controller.signal, log);
    const agentVersion = readAgentVersion();
    const end = await runSessions({
      urls: [config.server, ...servers.filter((url) => url !== config.server)].map(agentSocketUrl),
      name: config.name,
      key,
      agentVersion,
      collectFacts: options.collectFacts ?? (() => collectFacts({ agentVersion, dirs: [options.dir] })),
      factsIntervalMs: options.factsIntervalMs ?? DEFAULT_FACTS_INTERVAL_MS,
      log,
      signal: controller.signal,
      ...(options.backoff ? { backoff: options.backoff } : {}),
      ...(options.handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs: options.handshakeTimeoutMs } : {}),
      ...(options.stableAfterMs !== undefined ? { stableAfterMs: options.stableAfterMs } : {}),
      ...(options.random ? { random: options.random } : {}),
      ...(config.serverPin ? { tls: pinnedTlsOptions(config.serverPin) } : {}),
      runner,
    });
    if (end === 'revoked') {
      log('revoked by the server; not reconnecting');
      return report(
        new AgentFailure(
          'AGENT_REVOKED',
          `the server revoked agent ${config.name}; it will not reconnect (to bring this machine back, enrol it again with a new token and a new --dir)`,
          AGENT_EXIT_CODES.denied,
        ),
      );
    }
    if (end === 'unknown') {
      log('refused by the server; not reconnecting');
      return report(
        new AgentFailure(
          'AGENT_UNKNOWN',
          `the server does not accept the identity of agent ${config.name} in ${options.dir} (was the target removed, or is this another server?); enrol again with a new token and a new --dir`,
          AGENT_EXIT_CODES.denied,
        ),
      );
    }
    log('stopped');
    return AGENT_EXIT_CODES.ok;
  } catch (error) {
    if (isAgentFailure(error)) return report(error);
    if (controller.signal.aborted) {
      log('stopped');
      return AGENT_EXIT_CODES.ok;
    }
    throw error;
  } finally {
    await journal?.flush();
    await lock?.release().catch(() => undefined);
    if (handleSignals) {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    options.signal?.removeEventListener('abort', stop);
  }
}

/** `<dir>/apps`, absolute, created 0700: the target's root, where releases live. */
async function ensureAppsDir(dir: string): Promise<string> {
  const root = join(resolve(dir), 'apps');
  try {
    await mkdir(root, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new AgentFailure('AGENT_DIR_INVALID', `the releases directory ${root} cannot be created: ${(error as Error).message}`, AGENT_EXIT_CODES.invalid, { cause: error });
  }
  return root;
}

/** Opens `<dir>/attempts/`; the commands a previous run of the agent left running are now interrupted. */
async function openJournal(dir: string, log: (line: string) => void): Promise<AttemptJournal> {
  try {
    const { journal, interrupted } = await AttemptJournal.open(dir);
    if (interrupted.length > 0) log(`interrupted by the restart: ${interrupted.join(', ')}`);
    return journal;
  } catch (error) {
    throw new AgentFailure('AGENT_DIR_INVALID', `the attempt journal in ${join(dir, 'attempts')} cannot be read: ${(error as Error).message}`, AGENT_EXIT_CODES.invalid, { cause: error });
  }
}

/** The server's certificate, when a fingerprint is given to pin (an https server only). */
async function pinServer(server: string, fingerprint: string | undefined): Promise<ServerPin | undefined> {
  if (fingerprint === undefined) return undefined;
  const pinned = normaliseFingerprint(fingerprint);
  if (!server.startsWith('https://')) throw invalid('REQUEST_INVALID', `--server-fingerprint pins a TLS certificate, but ${server} is not an https:// URL`);
  return fetchPinnedCertificate(server, pinned);
}

/** The enrolled identity in the directory, enrolling first if there is none. */
async function identify(
  options: RunAgentOptions,
  servers: readonly string[],
  token: string | undefined,
  root: string,
  signal: AbortSignal,
  log: (line: string) => void,
): Promise<{ config: AgentConfig; key: AgentKey }> {
  const { dir } = options;
  const server = servers[0]!;
  const existing = await readAgentConfig(dir);
  if (existing) {
    if (!servers.includes(existing.server)) {
      throw invalid('AGENT_DIR_INVALID', `${dir} holds the identity of an agent enrolled with ${existing.server}, not ${servers.join(', ')}: include that --server, or use another --dir to enrol with this server`);
    }
    if (options.name !== undefined && options.name !== existing.name) {
      throw invalid('AGENT_DIR_INVALID', `${dir} holds the identity of agent ${existing.name}; --name ${options.name} cannot rename it (use another --dir to enrol a new agent)`);
    }
    const key = await loadAgentKey(dir);
    if (!key) throw invalid('AGENT_DIR_INVALID', `${dir} has agent.json but no agent.key: the identity is lost; enrol again with a new token and a new --dir`);
    if (key.publicKey !== existing.publicKey) throw invalid('AGENT_DIR_INVALID', `${dir}/agent.key is not the key agent ${existing.name} enrolled with`);
    if (token !== undefined) log(`already enrolled as ${existing.name}; the enrolment token was not used`);
    if (options.serverFingerprint !== undefined && normaliseFingerprint(options.serverFingerprint) !== existing.serverPin?.fingerprint) {
      throw invalid('AGENT_DIR_INVALID', `${dir} holds agent ${existing.name}, enrolled ${existing.serverPin ? `with the server certificate ${existing.serverPin.fingerprint} pinned` : 'without a pinned certificate'}; --server-fingerprint cannot change that (enrol again with a new --dir)`);
    }
    if (Object.keys(options.labels).length > 0) log('--label only applies at enrolment; the labels were not changed');
    return { config: existing, key };
  }
  if (token === undefined) {
    throw invalid(
      'AGENT_NOT_ENROLLED',
      `${dir} holds no agent identity yet: give a one-time enrolment token with ${ENROL_TOKEN_ENV} (or --enrol TOKEN); create one with \`gantry agent token create\``,
    );
  }
  const name = options.name ?? safeAgentName(hostname());
  const { key } = await loadOrCreateAgentKey(dir);
  const serverPin = await pinServer(server, options.serverFingerprint);
  const enrolment = await enrol({ server, token, name, publicKey: key.publicKey, labels: options.labels, root, signal, ...(serverPin ? { fetch: pinnedFetch(serverPin) } : {}) });
  const config: AgentConfig = { name: enrolment.name, server, publicKey: key.publicKey, enrolledAt: new Date().toISOString(), ...(serverPin ? { serverPin } : {}) };
  await writeAgentConfig(dir, config);
  const labels = formatLabels(enrolment.labels);
  log(`enrolled with ${server} as ${config.name}${labels ? ` (labels ${labels})` : ''}`);
  return { config, key };
}

