/**
 * Renders the nginx `upstream` block that holds a load balancer's targets, each one in or out
 * of rotation (`down`). The file is data Gantry writes into a live nginx configuration, so
 * everything that reaches it is held to shapes that cannot carry nginx syntax: the upstream
 * name and the addresses are checked, and comments cannot end their line early.
 */
import { GantryError } from '../errors.js';

export interface UpstreamServer {
  /** The target's name, written as a comment beside its address. */
  readonly target: string;
  /** `host:port`, `[ipv6]:port` or `unix:/absolute/path`. */
  readonly address: string;
  readonly inRotation: boolean;
}

export interface NginxUpstreamInput {
  readonly upstream: string;
  /** In the order they are written. */
  readonly servers: readonly UpstreamServer[];
  /** Comment lines at the top of the file (who wrote it, when); each is prefixed `# `. */
  readonly header: string;
}

const UPSTREAM_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/;
/** Underscores too: container and service names often have them, and nginx resolves them. */
const HOST_LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;
const DOTTED_NUMBERS = /^[0-9]+(?:\.[0-9]+)*$/;
const IPV4 = /^(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/;
const IPV6_CHARS = /^[0-9A-Fa-f:.]+$/;
/** Letters, digits and `. _ - + / @ = , ~`: nothing nginx or a shell would read specially. */
const UNIX_PATH = /^\/[A-Za-z0-9._\-+/@=,~]*$/;
const PORT = /^[0-9]{1,5}$/;

function portProblem(port: string): string | null {
  if (!PORT.test(port)) return `the port ${JSON.stringify(port)} is not a number`;
  const value = Number(port);
  if (value < 1 || value > 65535) return `the port ${value} is not between 1 and 65535`;
  return null;
}

function hostProblem(host: string): string | null {
  if (host === '') return 'the host is empty';
  if (host.length > 253) return 'the host name is longer than 253 characters';
  if (DOTTED_NUMBERS.test(host)) return IPV4.test(host) ? null : `${JSON.stringify(host)} is not an IPv4 address`;
  if (!host.split('.').every((label) => HOST_LABEL.test(label))) return `${JSON.stringify(host)} is not a host name or IPv4 address`;
  return null;
}

function ipv6Problem(address: string): string | null {
  if (!IPV6_CHARS.test(address) || !address.includes(':')) return `${JSON.stringify(address)} is not an IPv6 address`;
  const doubleColons = address.split('::').length - 1;
  const strayColon = address.includes(':::') || /^:[^:]/.test(address) || /[^:]:$/.test(address);
  if (strayColon) return `${JSON.stringify(address)} is not an IPv6 address`;
  if (doubleColons > 1) return `${JSON.stringify(address)} is not an IPv6 address (more than one "::")`;
  const groups = address.split(':').filter((group) => group !== '');
  const last = groups.at(-1) ?? '';
  const embeddedV4 = last.includes('.');
  if (embeddedV4 && !IPV4.test(last)) return `${JSON.stringify(address)} is not an IPv6 address (bad embedded IPv4 part)`;
  const hexGroups = embeddedV4 ? groups.slice(0, -1) : groups;
  if (!hexGroups.every((group) => /^[0-9A-Fa-f]{1,4}$/.test(group))) return `${JSON.stringify(address)} is not an IPv6 address`;
  const width = hexGroups.length + (embeddedV4 ? 2 : 0);
  if (doubleColons === 0 ? width !== 8 : width > 7) return `${JSON.stringify(address)} is not an IPv6 address (wrong number of groups)`;
  return null;
}

/**
 * Why `address` cannot be an upstream server address, or null when it can: `host:port` (a host
 * name or IPv4 address), `[ipv6]:port`, or `unix:/absolute/path`. Anything else — whitespace,
 * `;`, braces, quotes, `#`, `$` — is refused, so an address can never add nginx directives.
 */
export function upstreamAddressProblem(address: string): string | null {
  if (address.startsWith('unix:')) {
    const path = address.slice('unix:'.length);
    if (!path.startsWith('/')) return 'a unix socket path must be absolute (unix:/path)';
    if (!UNIX_PATH.test(path)) return 'a unix socket path may hold only letters, digits and . _ - + / @ = , ~';
    if (path.split('/').some((segment) => segment === '..')) return 'a unix socket path may not contain ".."';
    return null;
  }
  if (address.startsWith('[')) {
    const close = address.indexOf(']');
    if (close < 0) return 'an IPv6 address must be written [address]:port';
    if (address[close + 1] !== ':') return 'an IPv6 address needs a port: [address]:port';
    return ipv6Problem(address.slice(1, close)) ?? portProblem(address.slice(close + 2));
  }
  const colon = address.lastIndexOf(':');
  if (colon < 0) return 'the address needs a port: host:port';
  const host = address.slice(0, colon);
  if (host.includes(':')) return 'an IPv6 address must be written [address]:port';
  return hostProblem(host) ?? portProblem(address.slice(colon + 1));
}

/** A comment runs to the end of its line: no line break may end it early. */
function commentText(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]+/g, ' ');
}

/**
 * The content of an nginx file holding one `upstream` block, servers in the given order, those
 * out of rotation marked `down`. With every server out of rotation it still renders (nginx
 * then answers 502): whether that is acceptable is the caller's decision. Throws
 * MANIFEST_INVALID for an upstream name or address that could inject nginx syntax, and for an
 * empty server list (nginx refuses an upstream without servers).
 */
export function renderNginxUpstream(input: NginxUpstreamInput): string {
  if (!UPSTREAM_NAME.test(input.upstream)) {
    throw new GantryError(
      'MANIFEST_INVALID',
      `the nginx upstream name ${JSON.stringify(input.upstream)} is not allowed: use 1-100 letters, digits, "_", "." or "-", starting with a letter, digit or "_"`,
      { where: 'upstream', upstream: input.upstream },
    );
  }
  if (input.servers.length === 0) {
    throw new GantryError('MANIFEST_INVALID', `the nginx upstream ${input.upstream} has no servers; nginx refuses an empty upstream`, {
      where: 'upstream',
      upstream: input.upstream,
    });
  }
  const lines: string[] = [];
  if (input.header !== '') {
    for (const line of input.header.split(/\r\n|[\r\n\u2028\u2029]/)) lines.push(line === '' ? '#' : `# ${line}`);
  }
  lines.push(`upstream ${input.upstream} {`);
  for (const server of input.servers) {
    const problem = upstreamAddressProblem(server.address);
    if (problem !== null) {
      throw new GantryError(
        'MANIFEST_INVALID',
        `the upstream address ${JSON.stringify(server.address)} of target ${commentText(server.target)} is not valid: ${problem}`,
        { where: 'address', target: server.target, address: server.address },
      );
    }
    const target = commentText(server.target);
    lines.push(server.inRotation ? `    server ${server.address};  # ${target}` : `    server ${server.address} down;  # ${target} (out of rotation)`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
