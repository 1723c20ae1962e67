/** The name an agent enrols under when none is given: the host name, made safe. */
import { isSafeName } from '../core/names.js';

/**
 * Maps a host name to the safe name alphabet (letters, digits, ".", "_", "+", "-"; starting with
 * a letter or digit; no ".."; at most 100 characters). Falls back to "agent".
 */
export function safeAgentName(hostname: string): string {
  const name = hostname
    .trim()
    .replace(/[^A-Za-z0-9._+-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 100)
    .replace(/[.+-]+$/, '');
  return isSafeName(name) ? name : 'agent';
}
