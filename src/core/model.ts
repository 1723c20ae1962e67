import type { MeasurementPhase } from './analysis/verdict.js';
import type { ControlRequest } from './deployment/control.js';
import type { DeploymentState } from './deployment/deployment-machine.js';
import type { StepName, TaskState } from './deployment/task-machine.js';
import type { Manifest } from './manifest/schema.js';
import type { Labels } from './names.js';
import type { PackageFormat } from './patch/model.js';
import type { RolloutPlan } from './rollout/plan-batches.js';

/** How Gantry reaches a target. ROOT holds `<app>/releases/<version>/` and `<app>/current`. */
export type Transport =
  | { readonly type: 'local'; readonly root: string }
  | {
      readonly type: 'ssh';
      readonly user: string;
      readonly host: string;
      readonly port: number;
      /** Path, on the server, of the private key file. The key itself is never stored. */
      readonly keyPath: string;
      /** SHA-256 fingerprint of the host key, pinned when the target was added. */
      readonly hostKeySha256: string;
      readonly root: string;
    }
  | {
      readonly type: 'agent';
      /** base64 of the raw Ed25519 public key registered at enrolment. */
      readonly publicKey: string;
      readonly enrolledAt: string;
      /** Set when the agent was revoked: it is refused from then on. */
      readonly revokedAt: string | null;
      /** The directory on the agent's machine that holds the apps, as the agent declared it at enrolment. */
      readonly root: string;
    };

/** Where a target keeps its apps: `<root>/<app>/releases/<version>/` and `<root>/<app>/current`. */
export function rootOf(transport: Transport): string {
  return transport.root;
}

export interface Target {
  readonly name: string;
  readonly transport: Transport;
  readonly labels: Labels;
  readonly createdAt: string;
  /** Agents: when their last session ended; null if never connected or not an agent. */
  readonly lastSeenAt: string | null;
  /** How packages are listed, upgraded and a reboot detected here; absent: the defaults of its package format. */
  readonly packageCommands?: PackageCommands;
}

/**
 * Shell commands (`sh -c`, run in the target's root) that manage a target's packages. Each one
 * given replaces the default for the target's package format.
 * - `list` prints `NAME<TAB>VERSION[<TAB>SOURCE]` lines; with GANTRY_PACKAGES set (names separated
 *   by spaces) it may print just those.
 * - `upgrade` gets GANTRY_UPGRADES: `name=version` words separated by spaces.
 * - `rebootCheck` exits 0 when the machine needs a reboot, 1 when it does not.
 */
export interface PackageCommands {
  readonly list?: string;
  readonly upgrade?: string;
  readonly rebootCheck?: string;
}

export interface Application {
  readonly name: string;
  readonly manifest: Manifest;
  /** The manifest as the user wrote it, kept so it can be re-read and shown. */
  readonly manifestSource: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface Release {
  readonly app: string;
  readonly version: string;
  /** sha256 of the gzipped tar archive, hex. The archive store is content-addressed by it. */
  readonly digest: string;
  readonly sizeBytes: number;
  /** Snapshot of the manifest source the release was created with. */
  readonly manifestSource: string;
  readonly commit: string | null;
  readonly notes: string | null;
  readonly createdAt: string;
  /** When retention deleted its archive (it can no longer be deployed); absent or null: kept. */
  readonly archivePrunedAt?: string | null;
}

export const DEPLOYMENT_KINDS = ['deploy', 'rollback', 'patch'] as const;
/** `patch`: the live release stays; each target's packages are upgraded (see PatchOrder). */
export type DeploymentKind = (typeof DEPLOYMENT_KINDS)[number];

export interface Deployment {
  readonly id: string;
  readonly app: string;
  readonly environment: string;
  readonly version: string;
  readonly kind: DeploymentKind;
  readonly state: DeploymentState;
  /** Why it ended as it did (or why it failed to start), in the user's words. */
  readonly reason: string | null;
  readonly plan: RolloutPlan | null;
  /** Index of the batch being deployed; batches before it are finished. */
  readonly currentBatch: number;
  /** The lifecycle check was overridden with --force. */
  readonly forced: boolean;
  /** A promote, pause, resume or abort the engine has not acted on yet. */
  readonly controlRequest: ControlRequest | null;
  /** A timed pause: when the deployment goes on by itself. */
  readonly resumeAt: string | null;
  /** Index in the plan's gates of the next gate to pass (gates before it have passed). */
  readonly nextGate: number;
  /** The change request it implements, when it has one (protected environments require it). */
  readonly changeId: string | null;
  /** A patch rollout's packages per target; absent for other kinds. */
  readonly patch?: PatchOrder;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
}

/** One package to bring to (at least) a version, and the advisories that call for it. */
export interface PackageUpgrade {
  readonly name: string;
  readonly from: string;
  readonly to: string;
  readonly advisories: readonly string[];
}

/** What a patch rollout does: for each target it covers, the packages to upgrade. */
export interface PatchOrder {
  /** How the advisories were chosen, in words (`advisory DSA-5678-1`, `severity critical or worse`). */
  readonly selection: string;
  readonly targets: Readonly<Record<string, { readonly format: PackageFormat; readonly upgrades: readonly PackageUpgrade[] }>>;
}

export interface StepError {
  readonly code: string;
  readonly message: string;
}

export interface Task {
  readonly id: string;
  readonly deploymentId: string;
  readonly target: string;
  readonly batch: number;
  readonly state: TaskState;
  /** The step started last (deploy steps while running, rollback steps while rolling back). */
  readonly step: StepName | null;
  /** Whether `step` finished (true) or was started and not yet recorded as finished (false). */
  readonly stepDone: boolean;
  /** How many times `step` has been started; a restart after a crash runs it again. */
  readonly attempt: number;
  /** The version `current` pointed at before this deployment touched the target, if any. */
  readonly previousVersion: string | null;
  readonly error: StepError | null;
  readonly updatedAt: string;
}

export interface DeploymentEventRecord {
  readonly seq: number;
  readonly deploymentId: string;
  readonly target: string | null;
  /** `noun:verb` in the past tense: `deployment:started`, `task:step-failed`. */
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly at: string;
}

/** One measurement of an analysis metric, as recorded while the deployment ran. */
export interface AnalysisMeasurement {
  readonly seq: number;
  readonly deploymentId: string;
  /** Index of the canary gate it was taken for; -1 for the strategy's background analysis. */
  readonly gate: number;
  readonly template: string;
  readonly metric: string;
  readonly phase: MeasurementPhase;
  /** The value the provider returned (JSON); null when the measurement had an error. */
  readonly value: unknown;
  readonly message: string;
  readonly at: string;
}

export type LogStream = 'stdout' | 'stderr' | 'gantry';

export interface LogLine {
  readonly seq: number;
  readonly deploymentId: string;
  readonly target: string | null;
  readonly step: string | null;
  readonly stream: LogStream;
  readonly text: string;
  readonly at: string;
}
