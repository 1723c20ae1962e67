/**
 * When to try a notification again (webhook deliveries, as GitHub and Stripe do them): doubling
 * delays from a base up to a cap, a bounded number of attempts; what an answer means.
 */
export interface RetrySettings {
  /** Delay after the first failed attempt; doubled after each further one. */
  readonly baseMs: number;
  readonly capMs: number;
  readonly maxAttempts: number;
}

export const DEFAULT_RETRY_SETTINGS: RetrySettings = { baseMs: 10_000, capMs: 3_600_000, maxAttempts: 8 };

/** The delay before attempt `failedAttempts + 1`: base, 2×base, 4×base, … up to the cap. */
export function retryDelayMs(failedAttempts: number, settings: RetrySettings): number {
  const exponent = Math.max(0, failedAttempts - 1);
  // 2^31 and above would overflow nothing in JS, but is far past any cap: stop doubling early.
  return Math.min(settings.capMs, settings.baseMs * 2 ** Math.min(exponent, 30));
}

export type HttpAnswerVerdict = 'delivered' | 'retry' | 'failed';

/** 2xx delivered; 408, 429 and 5xx may pass later; any other answer will not. */
export function judgeHttpStatus(status: number): HttpAnswerVerdict {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'failed';
}

export type AfterAttempt = { readonly state: 'delivered' } | { readonly state: 'failed' } | { readonly state: 'pending'; readonly nextAttemptAt: string };

/** What follows an attempt: done, given up, or another try at a time. `attempts` counts this one. */
export function afterAttempt(outcome: { readonly delivered: boolean; readonly retryable: boolean }, attempts: number, now: Date, settings: RetrySettings): AfterAttempt {
  if (outcome.delivered) return { state: 'delivered' };
  if (!outcome.retryable || attempts >= settings.maxAttempts) return { state: 'failed' };
  return { state: 'pending', nextAttemptAt: new Date(now.getTime() + retryDelayMs(attempts, settings)).toISOString() };
}
