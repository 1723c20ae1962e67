import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { MetricReader } from './analysis/metric-port.js';
import type { ArtifactReader, ChangeControl, DeploymentStore, SecretSource, TargetExecutor, TargetInventory } from './ports.js';

export interface EngineSettings {
  /** How long a claim lasts without renewal; another node (or a restart) takes over after it. */
  readonly leaseMs: number;
  /** How often a lease is renewed and a cancel request looked for. */
  readonly heartbeatMs: number;
  /** How long to wait for a connection to a target. */
  readonly connectTimeoutMs: number;
  /** How many deployments one node advances at once. */
  readonly maxConcurrentDeployments: number;
  /** How often to look for work when nothing wakes the engine. */
  readonly pollMs: number;
}

export const DEFAULT_ENGINE_SETTINGS: EngineSettings = {
  leaseMs: 15_000,
  heartbeatMs: 3_000,
  connectTimeoutMs: 10_000,
  maxConcurrentDeployments: 8,
  pollMs: 1_000,
};

export interface EngineDeps {
  readonly store: DeploymentStore;
  readonly executor: TargetExecutor;
  readonly artifacts: ArtifactReader;
  /** Reads analysis metrics (Prometheus, HTTP, commands on the server). */
  readonly metrics: MetricReader;
  /** The app's secrets for the environment: passed to hooks and templates like variables, masked in every output. */
  readonly secrets: SecretSource;
  /** Asked before every batch of a deployment that implements a change (windows, freezes, authorisation). */
  readonly changeControl: ChangeControl;
  /** Records the package versions a patch rollout read back from its targets. */
  readonly inventory: TargetInventory;
  readonly clock: Clock;
  readonly log: Logger;
  readonly settings: EngineSettings;
  /** Called after each recorded change, so live views (SSE) can look for new events. */
  readonly onProgress: (deploymentId: string) => void;
}
