import { describe, expect, it } from 'vitest';
import { AuthThrottle } from './auth-throttle.js';

describe('the authentication throttle', () => {
  let now = 0;
  const throttle = () => new AuthThrottle({ limit: 3, windowMs: 60_000, maxAddresses: 3, now: () => now });

  it('refuses an address for the rest of the window once it failed `limit` times', () => {
    now = 0;
    const guard = throttle();
    for (let attempt = 0; attempt < 3; attempt++) {
      expect(guard.retryAfterMs('10.0.0.1')).toBe(0);
      guard.failed('10.0.0.1');
    }
    now = 10_000;
    expect(guard.retryAfterMs('10.0.0.1')).toBe(50_000);
    expect(guard.retryAfterMs('10.0.0.2')).toBe(0);
    now = 60_000;
    expect(guard.retryAfterMs('10.0.0.1')).toBe(0);
  });

  it('cannot be washed out by churning through other addresses', () => {
    now = 0;
    const guard = throttle();
    for (let attempt = 0; attempt < 3; attempt++) guard.failed('attacker');
    for (let other = 0; other < 100; other++) guard.failed(`churn-${other}`);
    expect(guard.retryAfterMs('attacker')).toBeGreaterThan(0);
  });
});
