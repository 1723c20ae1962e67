import type { FileDifferences } from './compare.js';

/** `unknown`: the target could not be checked (unreachable, listing failed); never counted as in sync. */
export const DRIFT_STATES = ['in_sync', 'drifted', 'unknown'] as const;
export type DriftState = (typeof DRIFT_STATES)[number];

/** The last check of one application's live release on one target. */
export interface DriftRecord extends FileDifferences {
  readonly target: string;
  readonly app: string;
  readonly environment: string;
  /** The live release checked. */
  readonly version: string;
  readonly state: DriftState;
  /** When the current drift was first seen; kept while it persists (or while the target cannot be checked), null once in sync. */
  readonly firstSeenAt: string | null;
  readonly checkedAt: string;
  /** A drift that no deployment or change explains. */
  readonly unauthorised: boolean;
  /** What explains the drift, or that nothing does; null when in sync. */
  readonly explanation: string | null;
  /** Why the state is unknown; null otherwise. */
  readonly reason: string | null;
}
