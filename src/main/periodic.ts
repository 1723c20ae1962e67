import type { Logger } from 'pino';

/** A background round that runs every `everyMs`, never two at once, and stops after the round in flight. */
export interface Periodic {
  stop(): Promise<void>;
}

/**
 * Runs `round` every `everyMs`, one at a time: a tick that comes while the last round is still
 * running is skipped. A round that throws is logged with `failure` and tried again next tick.
 */
export function startPeriodic(everyMs: number, round: () => Promise<void>, log: Logger, failure: string): Periodic {
  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    running ??= round()
      .catch((error: unknown) => log.warn({ err: error }, failure))
      .finally(() => (running = null));
  }, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
