/**
 * Reads an OpenSSH known_hosts file to answer one question: is this host key listed for
 * host:port? Supports plain and hashed (`|1|salt|hash`) host names, `*`/`?` wildcards,
 * `!` negations and `@revoked`; `@cert-authority` lines are ignored (no certificates here).
 */
import { createHmac } from 'node:crypto';

/** The name known_hosts uses for an endpoint: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function wildcardMatches(pattern: string, name: string): boolean {
  const regex = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
  return new RegExp(`^${regex}$`, 'i').test(name);
}

function hashedMatches(entry: string, name: string): boolean {
  const [, magic, salt, hash] = entry.split('|');
  if (magic !== '1' || salt === undefined || hash === undefined) return false;
  const expected = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
  return expected === hash;
}

function hostListMatches(list: string, name: string): boolean {
  if (list.startsWith('|')) return hashedMatches(list, name);
  let matched = false;
  for (const pattern of list.split(',')) {
    if (pattern.startsWith('!')) {
      if (wildcardMatches(pattern.slice(1), name)) return false;
    } else if (wildcardMatches(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

/** True when `keyBlob` (the raw SSH public key) is listed for host:port and not revoked. */
export function isHostKeyListed(knownHostsText: string, host: string, port: number, keyBlob: Buffer): boolean {
  const name = knownHostsName(host, port);
  let listed = false;
  for (const rawLine of knownHostsText.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    const marker = fields[0]?.startsWith('@') ? fields.shift() : undefined;
    const [hosts, , key] = fields;
    if (hosts === undefined || key === undefined || marker === '@cert-authority') continue;
    if (!hostListMatches(hosts, name) || !Buffer.from(key, 'base64').equals(keyBlob)) continue;
    if (marker === '@revoked') return false;
    listed = true;
  }
  return listed;
}
