/**
 * What the engine needs from the world, declared by the engine (the consumer) and implemented
 * by store/ and executors/. Nothing here knows about Kysely, ssh2 or child processes.
 */
import type { Duplex, Readable } from 'node:stream';
import type { ControlRequest } from '../core/deployment/control.js';
import type { DeploymentState } from '../core/deployment/deployment-machine.js';
import type { StepName, TaskState } from '../core/deployment/task-machine.js';
import type { Application, Deployment, LogStream, Release, StepError, Target, Task } from '../core/model.js';
import type { Slot } from '../core/manifest/schema.js';
import type { RolloutPlan } from '../core/rollout/plan-batches.js';
import type { MeasurementRecord } from './analysis/run-analysis.js';

export interface OutputSink {
  (stream: Exclude<LogStream, 'gantry'>, text: string): void;
}

/**
 * Which attempt of which step a command belongs to. Transports that deliver commands
 * at-least-once (agents) use the key to run each command once, and the lease's fencing token
 * to refuse results that arrive after another holder took the deployment over.
 */
export interface StepAttempt {
  /** `<deployment>/<target>/<step>/<attempt>`: unique for the step attempt, stable across redeliveries. */
  readonly key: string;
  readonly fencingToken: number;
}

export interface CommandOptions {
  /** The whole process tree is killed when this passes. */
  readonly timeoutMs: number;
  /** Aborting kills the whole process tree too (cancel). */
  readonly signal?: AbortSignal;
  readonly onOutput?: OutputSink;
  readonly attempt?: StepAttempt;
}

export interface ArtifactSource {
  readonly digest: string;
  readonly sizeBytes: number;
  /** Opens the gzipped tar archive for reading. */
  open(): Readable;
}

export interface ConfigFile {
  /** Relative to the release directory; already checked not to escape it. */
  readonly path: string;
  readonly content: string;
}

export interface HookRun {
  /** The hook as written in the manifest; run by `sh -c` on the target. */
  readonly command: string;
  /** Environment variables; values reach the hook literally, never spliced into a shell string. */
  readonly env: Readonly<Record<string, string>>;
}

/** A load balancer's configuration file to replace, and how to check and load it. */
export interface TrafficConfigChange {
  /** Absolute path of the file on the target. */
  readonly path: string;
  readonly content: string;
  /** Checks the configuration with the new file in place (`sh -c`), e.g. `nginx -t`; null for none. */
  readonly test: string | null;
  /** Makes the load balancer load it (`sh -c`), e.g. `nginx -s reload`. */
  readonly reload: string;
}

export interface CommandResult {
  readonly exitCode: number;
}

/**
 * An open connection to one target, with the release layout operations the deploy steps use.
 * Every operation is idempotent. Failures throw GantryError with codes TARGET_UNREACHABLE,
 * STEP_FAILED, STEP_TIMEOUT, ARTIFACT_DIGEST_MISMATCH, TRAFFIC_SWITCH_FAILED (never a raw transport error).
 */
export interface TargetSession {
  /** The version `<root>/<app>/current` points at, or null if there is none. */
  readCurrentVersion(app: string, options?: CommandOptions): Promise<string | null>;
  /** Makes `<root>/<app>/artifacts/<digest>.tar.gz` present and verified; skips the copy if it is. */
  ensureArtifact(app: string, artifact: ArtifactSource, options: CommandOptions): Promise<{ readonly uploaded: boolean }>;
  /** Unpacks the artifact into `<root>/<app>/releases/<version>/` unless that is already complete. */
  unpackRelease(app: string, version: string, digest: string, options: CommandOptions): Promise<void>;
  writeConfigFiles(app: string, version: string, files: readonly ConfigFile[], options: CommandOptions): Promise<void>;
  /** Runs a hook in the release directory. A non-zero exit throws STEP_FAILED. */
  runHook(app: string, version: string, hook: HookRun, options: CommandOptions): Promise<void>;
  /** Runs a command in the release directory and reports its exit code (health checks). */
  runCheck(app: string, version: string, hook: HookRun, options: CommandOptions): Promise<CommandResult>;
  /** Atomically points `<root>/<app>/current` at the release (symlink + rename). */
  activate(app: string, version: string, options: CommandOptions): Promise<void>;
  /** Removes `<root>/<app>/current` (rollback of a target that had no previous release). */
  deactivate(app: string, options: CommandOptions): Promise<void>;
  /** Deletes old releases beyond `keep`, never the ones in `protect`. Returns what it removed. */
  pruneReleases(app: string, keep: number, protect: readonly string[], options: CommandOptions): Promise<readonly string[]>;
  /**
   * Replaces a load balancer's configuration file and reloads it: the new content is written
   * beside the file and renamed over it, `test` (if any) is run, then `reload`. If any of that
   * fails, the previous file is put back (or the new one removed if there was none), so the
   * previous configuration keeps serving; throws TRAFFIC_SWITCH_FAILED with the command's stderr.
   */
  applyTrafficConfig(change: TrafficConfigChange, options: CommandOptions): Promise<void>;
  /** Runs a load balancer's `switch` hook (`sh -c`) in the target's root with the given environment; non-zero exit throws TRAFFIC_SWITCH_FAILED. */
  runTrafficHook(hook: HookRun, options: CommandOptions): Promise<void>;
  /** Runs a command about the machine itself (`sh -c` in ROOT): package upgrades and listings; its stdout goes to `onOutput`. */
  runCommand(hook: HookRun, options: CommandOptions): Promise<CommandResult>;
  /** Opens a TCP connection to host:port as seen from the target (health checks). */
  connectTcp(host: string, port: number, timeoutMs: number): Promise<Duplex>;
  close(): Promise<void>;
}

export interface TargetExecutor {
  /** Connects to the target. Throws TARGET_UNREACHABLE or HOST_KEY_MISMATCH. */
  open(target: Target, options: { readonly timeoutMs: number; readonly signal?: AbortSignal }): Promise<TargetSession>;
}

/** The right to advance one deployment, until `expiresAt`; `token` fences every write. */
export interface Lease {
  readonly deploymentId: string;
  readonly owner: string;
  readonly token: number;
}

export interface NewEvent {
  readonly type: string;
  readonly target?: string | null;
  readonly data?: Readonly<Record<string, unknown>>;
}

export interface DeploymentChange {
  readonly state?: DeploymentState;
  readonly reason?: string | null;
  readonly plan?: RolloutPlan;
  readonly currentBatch?: number;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly resumeAt?: string | null;
  readonly nextGate?: number;
  /** The request this change acted on: it is cleared (unless another replaced it meanwhile). */
  readonly consumedRequest?: ControlRequest;
  /** Lets go of the lease (and raises the fencing token) so a fresh run takes the deployment up at once. */
  readonly handOver?: true;
  /** Pausing, but this run keeps the lease and waits (a background analysis goes on measuring). */
  readonly keepLease?: boolean;
}

/** What people asked of a deployment that the engine has not acted on yet. */
export interface PendingControl {
  readonly cancel: boolean;
  readonly request: ControlRequest | null;
}

export interface TaskChange {
  readonly state?: TaskState;
  readonly step?: StepName | null;
  readonly stepDone?: boolean;
  readonly attempt?: number;
  readonly previousVersion?: string | null;
  readonly error?: StepError | null;
}

export interface NewTask {
  readonly target: string;
  readonly batch: number;
}

export interface NewLogLine {
  readonly deploymentId: string;
  readonly target: string | null;
  readonly step: string | null;
  readonly stream: LogStream;
  readonly text: string;
  readonly at: string;
}

/**
 * The engine's view of the store. Writes that advance a deployment name the lease they hold;
 * if another holder has taken the deployment since, they throw LeaseLostError and change nothing.
 * Each write commits the change together with its events, in one transaction.
 */
export interface DeploymentStore {
  /**
   * Takes over a deployment whose lease has expired, or starts the oldest runnable queued one.
   * `times` is read when the claim is made (inside its transaction), not before.
   */
  claimDeployment(owner: string, times: () => { readonly now: string; readonly leaseExpiresAt: string }): Promise<Lease | null>;
  renewLease(lease: Lease, leaseExpiresAt: string): Promise<boolean>;
  /** Marks every lease held by owners with this prefix as expired (a restarted node's old leases). */
  expireLeases(ownerPrefix: string, now: string): Promise<number>;
  loadDeployment(id: string): Promise<{ readonly deployment: Deployment; readonly tasks: readonly Task[] }>;
  readControl(id: string): Promise<PendingControl>;
  /** Blue-green: the slot the environment's last successful deployment switched to. */
  liveSlot(app: string, environment: string): Promise<Slot | null>;
  getApplication(name: string): Promise<Application | null>;
  getRelease(app: string, version: string): Promise<Release | null>;
  listTargets(): Promise<readonly Target[]>;
  recordDeployment(lease: Lease, change: DeploymentChange, events: readonly NewEvent[], at: string, newTasks?: readonly NewTask[]): Promise<void>;
  recordTask(lease: Lease, taskId: string, change: TaskChange, events: readonly NewEvent[], at: string): Promise<void>;
  appendLogs(lines: readonly NewLogLine[]): Promise<void>;
  /** Keeps one analysis measurement (gate -1: the background analysis); fenced by the lease. */
  recordMeasurement(lease: Lease, gate: number, measurement: MeasurementRecord): Promise<void>;
  /**
   * Ends a deployment whose stored record cannot be read (DATA_CORRUPT) as failed, with the
   * reason, so it neither blocks its app/environment nor is claimed again and again.
   */
  quarantineDeployment(lease: Lease, reason: string, at: string): Promise<void>;
}

export class LeaseLostError extends Error {
  constructor(readonly deploymentId: string) {
    super(`lease on deployment ${deploymentId} was lost`);
    this.name = 'LeaseLostError';
  }
}

/** The server's archive store, as the engine reads it. */
export interface ArtifactReader {
  source(digest: string, sizeBytes: number): ArtifactSource;
  /** Checks the stored archive still has its digest and only safe entries. */
  verify(digest: string): Promise<void>;
  /** Reads text files (configuration templates) out of the archive. */
  readFiles(digest: string, paths: readonly string[]): Promise<ReadonlyMap<string, string>>;
}

/** Decrypted secrets, read when a run starts; the values live only in that run's memory. */
export interface SecretSource {
  /** The app's secrets in the environment (environment-specific over app-wide), by name. Fails closed (SECRET_UNREADABLE). */
  valuesFor(app: string, environment: string): Promise<ReadonlyMap<string, string>>;
}

/** The answer of change control before a batch starts. */
export type BatchClearance =
  | { readonly go: true }
  | {
      readonly go: false;
      /** FREEZE_ACTIVE, OUTSIDE_WINDOW, CHANGE_NOT_AUTHORISED, … */
      readonly code: string;
      readonly reason: string;
      /** When to try again by itself (a freeze lifting inside the window); null waits for a resume. */
      readonly resumeAt: string | null;
      readonly then: 'pause' | 'rollback';
    };

/** Change control, asked before every batch of a deployment that implements a change request. */
/** Installed versions read back from a target after a patch, for its inventory. */
export interface PackageReading {
  readonly packages: readonly { readonly name: string; readonly version: string; readonly source?: string }[];
  /** null when the machine could not say. */
  readonly rebootRequired: boolean | null;
}

/** Where the engine writes what it learnt about a target's packages. */
export interface TargetInventory {
  recordPackages(target: string, reading: PackageReading): Promise<void>;
}

export interface ChangeControl {
  clearBatch(deployment: Deployment, targets: readonly string[]): Promise<BatchClearance>;
}
