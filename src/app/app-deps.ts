import type { Kysely } from 'kysely';
import type { Readable } from 'node:stream';
import type { ChangeSettings } from '../core/change/change-settings.js';
import type { Clock, IdSource } from '../core/clock.js';
import type { TargetExecutor } from '../engine/ports.js';
import type { SecretKeyring } from '../secrets/envelope.js';
import type { Database } from '../store/schema.js';
import type { NotificationPorts } from './notification-ports.js';

/** The archive store, as application services use it. */
export interface ReleaseArchiveStore {
  /** Stores the archive (content-addressed), refusing unsafe entries; returns its digest and size. */
  put(archive: Readable, options: { readonly maxBytes: number }): Promise<{ readonly digest: string; readonly sizeBytes: number }>;
  /**
   * The regular files of a stored archive: normalised path (no `./`) → sha256 hex of the content.
   * Directories and symlinks are left out; a later entry with the same path replaces an earlier one.
   */
  fileDigests(digest: string): Promise<ReadonlyMap<string, string>>;
  /** Reads text files (configuration templates) out of a stored archive. */
  readFiles(digest: string, paths: readonly string[]): Promise<ReadonlyMap<string, string>>;
  /** Whether the archive is stored (retention: an interrupted run may have left one behind). */
  has(digest: string): Promise<boolean>;
  /** Deletes the archive (retention, once no release keeps it); idempotent. */
  remove(digest: string): Promise<void>;
}

export interface SshProbe {
  /** Connects once and returns the host key fingerprint to pin. Throws TARGET_UNREACHABLE / HOST_KEY_MISMATCH. */
  (input: { user: string; host: string; port: number; keyPath: string; knownHostsPath?: string; timeoutMs: number }): Promise<{ hostKeySha256: string }>;
}

/** Which agents have a live session on this server; kept by the server's agent channel. */
export interface AgentPresence {
  /** The agent's live session, if it has one here. */
  sessionOf(name: string): { readonly lastSeenAt: string } | null;
  /** Ends the agent's live session at once (revoked). */
  disconnect(name: string, reason: 'revoked'): void;
}

export interface AppDeps {
  readonly db: Kysely<Database>;
  readonly archives: ReleaseArchiveStore;
  readonly probeSsh: SshProbe;
  readonly agents: AgentPresence;
  readonly clock: Clock;
  readonly ids: IdSource;
  /** Tells the engine that there is something new to look at (queued work, a cancel request). */
  readonly wakeEngine: () => void;
  readonly limits: { readonly maxArchiveBytes: number };
  /** SHA-256 fingerprint of the server's TLS certificate (`AB:CD:…`), or null when it serves plain HTTP. */
  readonly serverFingerprint: string | null;
  /** How change control runs: risk scoring, approval policies, standard-change streak, window end. */
  readonly changeSettings: ChangeSettings;
  /** The loaded master key: seals and opens secrets (src/secrets/envelope.ts); never printed. */
  readonly keyring: SecretKeyring;
  /** How often each node writes its heartbeat; a node silent for three of these is unresponsive. */
  readonly nodeHeartbeatMs: number;
  /** Opens sessions on targets, as the engine does (drift checks run their listing through it). */
  readonly executor: TargetExecutor;
  /** Channel senders and settings for notifications (issue 10); absent where nothing is sent (unit tests). */
  readonly notifications?: NotificationPorts;
}
