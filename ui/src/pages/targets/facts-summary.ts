import type { Facts } from '../../../../src/client/api-client.js';

/** "Ubuntu 24.04 · 6.8.0-45-generic · x86_64", or null when the target has reported nothing. */
export function factsSummary(facts: Facts | null): string | null {
  if (!facts) return null;
  return [`${facts.os.name} ${facts.os.version}`.trim(), facts.kernel, facts.architecture].filter((part) => part !== '').join(' · ') || null;
}
