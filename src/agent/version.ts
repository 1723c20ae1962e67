/** The agent's version: the package's own. */
import { readFileSync } from 'node:fs';

export function readAgentVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    const version = (pkg as { version?: unknown }).version;
    return typeof version === 'string' && version.length <= 50 ? version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}
