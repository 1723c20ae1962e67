/** Time, injected so that core and engine can be driven step by step in tests. */
export interface Clock {
  now(): Date;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Fresh identifiers, injected for the same reason. */
export interface IdSource {
  next(prefix: string): string;
}
