/**
 * Slows down guessing: a client address that fails authentication `limit` times within
 * `windowMs` is refused (429, `AUTH_RATE_LIMITED`) for the rest of that window, whatever it sends,
 * so that a right guess among many wrong ones does not get through. The table of addresses is
 * bounded; when it is full, the address with the fewest failures makes room, so churning
 * through addresses cannot wash out the one that is guessing hardest. Per server node.
 */
export interface AuthThrottleOptions {
  readonly limit: number;
  readonly windowMs: number;
  readonly maxAddresses: number;
  readonly now: () => number;
}

interface Failures {
  count: number;
  windowStart: number;
}

export class AuthThrottle {
  private readonly byAddress = new Map<string, Failures>();

  constructor(private readonly options: AuthThrottleOptions) {}

  /** Milliseconds until the address may try again, or 0 when it may now. */
  retryAfterMs(address: string): number {
    const entry = this.current(address);
    if (!entry || entry.count < this.options.limit) return 0;
    return entry.windowStart + this.options.windowMs - this.options.now();
  }

  failed(address: string): void {
    const entry = this.current(address);
    if (entry) {
      entry.count += 1;
      return;
    }
    if (this.byAddress.size >= this.options.maxAddresses) this.makeRoom();
    this.byAddress.set(address, { count: 1, windowStart: this.options.now() });
  }

  /** The address's failures in the window under way; an ended window is forgotten. */
  private current(address: string): Failures | undefined {
    const entry = this.byAddress.get(address);
    if (entry && this.options.now() - entry.windowStart >= this.options.windowMs) {
      this.byAddress.delete(address);
      return undefined;
    }
    return entry;
  }

  private makeRoom(): void {
    let fewest: [string, Failures] | undefined;
    for (const item of this.byAddress) {
      if (this.options.now() - item[1].windowStart >= this.options.windowMs) {
        this.byAddress.delete(item[0]);
        return;
      }
      if (!fewest || item[1].count < fewest[1].count) fewest = item;
    }
    if (fewest) this.byAddress.delete(fewest[0]);
  }
}
