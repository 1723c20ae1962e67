import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Clock, IdSource } from '../core/clock.js';

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) => delay(ms, undefined, signal ? { signal } : {}),
};

/**
 * Ids that sort by creation time: `<prefix>-<ms since epoch, base 36><counter><random>`.
 * The counter keeps ids made in the same millisecond in order.
 */
export function createIdSource(clock: Clock): IdSource {
  let lastMs = 0;
  let counter = 0;
  return {
    next(prefix) {
      const ms = clock.now().getTime();
      counter = ms === lastMs ? counter + 1 : 0;
      lastMs = ms;
      return `${prefix}-${ms.toString(36).padStart(9, '0')}${counter.toString(36).padStart(3, '0')}${randomBytes(3).toString('hex')}`;
    },
  };
}
