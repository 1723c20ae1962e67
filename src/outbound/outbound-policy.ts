import { isIPv4, isIPv6 } from 'node:net';
import { networkInterfaces } from 'node:os';

/**
 * Where Gantry may send a request on a user's behalf (analysis providers today, webhooks next):
 * the SSRF policy. Decisions are made on IP addresses — the ones a host name resolved to, at
 * connection time — so alternative spellings (`0x7f.1`, `2130706433`, `[::ffff:7f00:1]`) and DNS
 * rebinding meet the same rules as `127.0.0.1`.
 *
 * - With an allow-list (GANTRY_OUTBOUND_ALLOW), an address is allowed when it lies in one of its
 *   networks, or when the URL's host name matches one of its names and the address is not in the
 *   default deny-list (a trusted name does not make the cloud metadata service reachable).
 * - Without one, everything but the default deny-list is allowed: link-local (cloud metadata),
 *   unspecified, multicast, broadcast and the cloud metadata addresses outside link-local.
 *   Loopback and private networks are allowed (a Prometheus on 127.0.0.1 is the common case).
 * - Always: never this Gantry server's own listening address and port.
 */

export const OUTBOUND_ALLOW_VARIABLE = 'GANTRY_OUTBOUND_ALLOW';

export interface IpAddress {
  readonly family: 4 | 6;
  /** The address as a 32- or 128-bit number. IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is IPv4. */
  readonly value: bigint;
}

export interface IpNetwork {
  readonly family: 4 | 6;
  readonly base: bigint;
  readonly prefix: number;
}

export type OutboundAllowEntry =
  | { readonly kind: 'network'; readonly text: string; readonly network: IpNetwork }
  | { readonly kind: 'host'; readonly text: string; readonly name: string }
  | { readonly kind: 'domain'; readonly text: string; readonly suffix: string };

/** A parsed GANTRY_OUTBOUND_ALLOW. */
export interface OutboundAllowList {
  readonly entries: readonly OutboundAllowEntry[];
}

export class OutboundAllowInvalid extends Error {
  constructor(
    readonly entry: string,
    problem: string,
  ) {
    super(`${OUTBOUND_ALLOW_VARIABLE} entry "${entry}": ${problem}`);
    this.name = 'OutboundAllowInvalid';
  }
}

const bitsOf = (family: 4 | 6) => (family === 4 ? 32 : 128);
const MAPPED_PREFIX = 0xffffn << 32n;

/** A canonical IPv4 or IPv6 address (as `dns.lookup` gives, or a URL's host), or undefined. */
export function parseIpAddress(text: string): IpAddress | undefined {
  const bare = text.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  if (isIPv4(bare)) return { family: 4, value: ipv4Value(bare) };
  if (!isIPv6(bare)) return undefined;
  const value = ipv6Value(bare);
  if (value >> 32n === 0xffffn) return { family: 4, value: value & 0xffffffffn };
  return { family: 6, value };
}

function ipv4Value(text: string): bigint {
  return text.split('.').reduce((value, part) => (value << 8n) | BigInt(Number(part)), 0n);
}

function ipv6Value(text: string): bigint {
  let rest = text;
  let tail: bigint[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(rest);
  if (dotted) {
    const v4 = ipv4Value(dotted[1]!);
    tail = [v4 >> 16n, v4 & 0xffffn];
    rest = rest.slice(0, -dotted[1]!.length);
    if (rest.endsWith(':') && !rest.endsWith('::')) rest = rest.slice(0, -1);
  }
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((group) => BigInt(`0x${group}`)));
  const [head, after] = rest.split('::') as [string, string | undefined];
  const left = groups(head);
  const right = [...(after === undefined ? [] : groups(after)), ...tail];
  const all = after === undefined ? [...left, ...right] : [...left, ...new Array<bigint>(8 - left.length - right.length).fill(0n), ...right];
  return all.reduce((value, group) => (value << 16n) | group, 0n);
}

/** `10.0.0.0/8`, `fd00::/8`, or one address (`10.1.2.3`, `::1`). */
export function parseIpNetwork(text: string): IpNetwork {
  const [address, prefixText, extra] = text.split('/');
  if (extra !== undefined) throw new Error('expected one "/"');
  const ip = parseIpAddress(address!);
  if (!ip || address!.startsWith('[')) throw new Error(`${address} is not an IPv4 or IPv6 address`);
  // An IPv4-mapped network (::ffff:10.0.0.0/104) is the IPv4 network it maps.
  const written: 4 | 6 = isIPv4(address!) ? 4 : 6;
  const bits = bitsOf(written);
  let prefix = bits;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) throw new Error(`the prefix length must be 0 to ${bits}`);
    prefix = Number(prefixText);
  }
  if (written === 6 && ip.family === 4) {
    if (prefix < 96) throw new Error('an IPv4-mapped network needs a prefix length of at least 96');
    prefix -= 96;
  }
  const hostBits = BigInt(bitsOf(ip.family) - prefix);
  if ((ip.value >> hostBits) << hostBits !== ip.value) {
    const base = ((ip.value >> hostBits) << hostBits) | (written === 6 && ip.family === 4 ? MAPPED_PREFIX : 0n);
    throw new Error(`it has bits set after the prefix: did you mean ${formatIp({ family: written, value: base })}/${prefixText}?`);
  }
  return { family: ip.family, base: ip.value, prefix };
}

export function networkContains(network: IpNetwork, ip: IpAddress): boolean {
  if (network.family !== ip.family) return false;
  const hostBits = BigInt(bitsOf(ip.family) - network.prefix);
  return ip.value >> hostBits === network.base >> hostBits;
}

export function formatIp(ip: IpAddress): string {
  if (ip.family === 4) return [24n, 16n, 8n, 0n].map((shift) => String((ip.value >> shift) & 0xffn)).join('.');
  const groups = [...Array(8).keys()].map((index) => ((ip.value >> BigInt((7 - index) * 16)) & 0xffffn).toString(16));
  // The longest run of two or more zero groups becomes "::" (RFC 5952).
  let best = { start: -1, length: 1 };
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === '0') length++;
    if (length > best.length) best = { start, length };
  }
  if (best.start < 0) return groups.join(':');
  return `${groups.slice(0, best.start).join(':')}::${groups.slice(best.start + best.length).join(':')}`;
}

const HOST_LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** A host name as the policy compares it: lower case, no trailing dot. */
export function normalizeHostName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

function parseHostEntry(text: string): OutboundAllowEntry {
  const wildcard = text.startsWith('*.');
  const name = normalizeHostName(wildcard ? text.slice(2) : text);
  const labels = name.split('.');
  if (name.length === 0 || name.length > 253 || !labels.every((label) => HOST_LABEL.test(label))) {
    throw new Error('expected a CIDR (10.0.0.0/8, fd00::/8), an IP address, a host name (metrics.internal) or a domain wildcard (*.example.com)');
  }
  // A URL parser reads "10.1" or "0x7f" as an IPv4 address, never as a name: so must we.
  if (/^(0x[0-9a-f]*|\d+)$/.test(labels.at(-1)!)) throw new Error('this is not a valid IP address; write IPv4 addresses as four decimal numbers (10.0.0.1)');
  return wildcard ? { kind: 'domain', text, suffix: `.${name}` } : { kind: 'host', text, name };
}

/**
 * Parses GANTRY_OUTBOUND_ALLOW: comma-separated CIDRs, IP addresses, host names and `*.domain`
 * wildcards (which match names below the domain, not the domain itself). Throws
 * OutboundAllowInvalid naming the first bad entry.
 */
export function parseOutboundAllow(text: string): OutboundAllowList {
  const entries: OutboundAllowEntry[] = [];
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    try {
      if (entry.includes('/') || entry.includes(':') || /^[\d.]+$/.test(entry)) {
        if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry) || /^[^:/]+:\d+$/.test(entry)) throw new Error('write the address or host name alone, without a scheme, port or path');
        entries.push({ kind: 'network', text: entry, network: parseIpNetwork(entry) });
      } else {
        entries.push(parseHostEntry(entry));
      }
    } catch (error) {
      throw new OutboundAllowInvalid(entry, error instanceof Error ? error.message : String(error));
    }
  }
  if (entries.length === 0) throw new OutboundAllowInvalid(text, 'no entries; leave the variable unset to use the default policy');
  return Object.freeze({ entries: Object.freeze(entries) });
}

interface DeniedNetwork {
  readonly network: IpNetwork;
  readonly why: string;
}

const denied = (cidr: string, why: string): DeniedNetwork => ({ network: parseIpNetwork(cidr), why });

/** What is refused when GANTRY_OUTBOUND_ALLOW is unset, and whatever a host name resolves to. */
export const DEFAULT_DENIED: readonly DeniedNetwork[] = [
  denied('169.254.0.0/16', 'is link-local'),
  denied('fe80::/10', 'is link-local'),
  denied('0.0.0.0/8', 'is an unspecified address'),
  denied('::/128', 'is an unspecified address'),
  denied('224.0.0.0/4', 'is multicast'),
  denied('ff00::/8', 'is multicast'),
  denied('255.255.255.255/32', 'is broadcast'),
  denied('fd00:ec2::254/128', 'is a cloud metadata address (AWS, IPv6)'),
  denied('100.100.100.200/32', 'is a cloud metadata address (Alibaba Cloud)'),
];

const LOOPBACK = [parseIpNetwork('127.0.0.0/8'), parseIpNetwork('::1/128')];

export interface OutboundPolicyOptions {
  /** GANTRY_OUTBOUND_ALLOW, parsed; undefined: the default deny-list. */
  readonly allow?: OutboundAllowList;
  /**
   * This Gantry server's listening address and port: never called. A host of 0.0.0.0, :: or a
   * name stands for every local address. Port 0 (chosen at listen time) is not known here.
   */
  readonly server?: { readonly host: string; readonly port: number };
  /** The machine's interface addresses (default: os.networkInterfaces()); for a wildcard listen. */
  readonly localAddresses?: () => readonly string[];
}

export interface OutboundDestination {
  /** The URL's host: a name, or an IP address (with or without brackets). */
  readonly host: string;
  /** The address about to be connected to. */
  readonly address: string;
  readonly port: number;
}

export interface OutboundPolicy {
  /** Why the destination is refused, in words that name it; undefined when it is allowed. */
  refusal(destination: OutboundDestination): string | undefined;
}

function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((addresses) => (addresses ?? []).map((address) => address.address));
}

export function createOutboundPolicy(options: OutboundPolicyOptions): OutboundPolicy {
  const allow = options.allow;
  const server = options.server;
  const serverIp = server ? parseIpAddress(server.host) : undefined;
  const serverEverywhere = server !== undefined && (serverIp === undefined || serverIp.value === 0n);
  const isServer = (ip: IpAddress, port: number): boolean => {
    if (!server || server.port === 0 || port !== server.port) return false;
    if (!serverEverywhere) return serverIp!.family === ip.family && serverIp!.value === ip.value;
    if (LOOPBACK.some((network) => networkContains(network, ip))) return true;
    return (options.localAddresses ?? interfaceAddresses)().some((local) => {
      const localIp = parseIpAddress(local);
      return localIp !== undefined && localIp.family === ip.family && localIp.value === ip.value;
    });
  };

  return {
    refusal({ host, address, port }) {
      const ip = parseIpAddress(address);
      const hostIp = parseIpAddress(host);
      const shown = ip ? formatIp(ip) : address;
      const subject = hostIp !== undefined || normalizeHostName(host) === shown ? shown : `${normalizeHostName(host)} resolves to ${shown}, which`;
      if (!ip) return `${subject} is not an IP address`;
      if (isServer(ip, port)) return `${subject} is this Gantry server's own address (port ${port})`;
      const deny = DEFAULT_DENIED.find((entry) => networkContains(entry.network, ip));
      if (!allow) return deny ? `${subject} ${deny.why}` : undefined;
      if (allow.entries.some((entry) => entry.kind === 'network' && networkContains(entry.network, ip))) return undefined;
      const name = hostIp === undefined ? normalizeHostName(host) : undefined;
      const named = name !== undefined && allow.entries.some((entry) => (entry.kind === 'host' && entry.name === name) || (entry.kind === 'domain' && name.endsWith(entry.suffix)));
      if (named) return deny ? `${subject} ${deny.why}` : undefined;
      return `${subject} is not in ${OUTBOUND_ALLOW_VARIABLE}`;
    },
  };
}
