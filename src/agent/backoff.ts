/**
 * Reconnect delays: exponential backoff with full jitter (a uniformly random delay between 0
 * and min(cap, base × 2^attempt)), so that a fleet that lost the server at the same moment does
 * not come back at the same moment.
 */
export interface BackoffSettings {
  /** The bound of the first delay. */
  readonly baseMs: number;
  /** No delay is longer than this. */
  readonly capMs: number;
}

export const DEFAULT_BACKOFF: BackoffSettings = { baseMs: 1000, capMs: 30_000 };

/** The upper bound of the delay before retry number `attempt` (0 for the first retry). */
export function backoffCeiling(attempt: number, settings: BackoffSettings = DEFAULT_BACKOFF): number {
  // 2^31 and beyond only overflows towards Infinity; the cap applies long before.
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 30);
  return Math.min(settings.capMs, settings.baseMs * 2 ** exponent);
}

/** A delay in [0, backoffCeiling(attempt)]; `random` returns a number in [0, 1). */
export function backoffDelay(attempt: number, settings: BackoffSettings = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  return Math.floor(random() * backoffCeiling(attempt, settings));
}
