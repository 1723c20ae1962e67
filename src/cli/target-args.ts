/**
 * Reads `gantry target add`'s options into an AddTargetRequest: the SSH address, labels, and
 * paths made absolute. Pure (the working directory is passed in), so it is tested directly.
 */
import { resolve } from 'node:path';
import type { AddTargetRequest } from '../client/api-client.js';
import { GantryError } from '../core/errors.js';

export const DEFAULT_SSH_ROOT = '/srv/gantry';
export const DEFAULT_SSH_PORT = 22;

export interface SshAddress {
  readonly user: string;
  readonly host: string;
  readonly port: number;
}

export interface TargetAddOptions {
  readonly local?: string | undefined;
  readonly ssh?: string | undefined;
  readonly key?: string | undefined;
  readonly knownHosts?: string | undefined;
  readonly root?: string | undefined;
  readonly label?: readonly string[] | undefined;
}

function invalid(message: string, where: string): GantryError {
  return new GantryError('REQUEST_INVALID', message, { where });
}

function quote(value: string): string {
  return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
}

/**
 * `USER@HOST`, `USER@HOST:PORT`, `USER@[IPV6]` or `USER@[IPV6]:PORT`. A bare IPv6 address
 * (more than one colon, no brackets) is read as a host without a port.
 */
export function parseSshAddress(value: string): SshAddress {
  const usage = `--ssh ${quote(value)} must be USER@HOST[:PORT] (e.g. deploy@web-1.example.com or deploy@[2001:db8::1]:2222)`;
  const at = value.indexOf('@');
  if (at <= 0) throw invalid(usage, '--ssh');
  const user = value.slice(0, at);
  const rest = value.slice(at + 1);
  let host: string;
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close === -1) throw invalid(`${usage}: "[" without "]"`, '--ssh');
    host = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) throw invalid(`${usage}: unexpected ${quote(after)} after "]"`, '--ssh');
      portText = after.slice(1);
    }
  } else {
    const colons = rest.split(':').length - 1;
    if (colons === 1) {
      const colon = rest.indexOf(':');
      host = rest.slice(0, colon);
      portText = rest.slice(colon + 1);
    } else {
      host = rest;
    }
  }
  if (host === '') throw invalid(`${usage}: the host is missing`, '--ssh');
  if (host.startsWith('-')) throw invalid(`${usage}: a host may not start with "-"`, '--ssh');
  if (/[\s@/\\[\]]/.test(host)) throw invalid(`${usage}: ${quote(host)} is not a host name or IP address`, '--ssh');
  let port = DEFAULT_SSH_PORT;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      throw invalid(`${usage}: port ${quote(portText)} must be a number from 1 to 65535`, '--ssh');
    }
    port = Number(portText);
  }
  return { user, host, port };
}

/** Formats an address the way parseSshAddress reads it (brackets around IPv6). */
export function formatSshAddress(address: SshAddress): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return `${address.user}@${host}:${address.port}`;
}

/** `--label key=value`, repeatable. The value may contain "=" and may be empty. */
export function parseLabels(values: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const value of values) {
    const equals = value.indexOf('=');
    if (equals === -1) throw invalid(`--label ${quote(value)} must be KEY=VALUE (e.g. --label role=web)`, '--label');
    const key = value.slice(0, equals);
    if (key === '') throw invalid(`--label ${quote(value)} has no key before "=" (expected KEY=VALUE)`, '--label');
    if (Object.hasOwn(labels, key)) throw invalid(`--label ${quote(key)} is given twice`, '--label');
    labels[key] = value.slice(equals + 1);
  }
  return labels;
}

export function buildAddTargetRequest(name: string, options: TargetAddOptions, cwd: string): AddTargetRequest {
  const labels = parseLabels(options.label ?? []);
  if (options.local !== undefined && options.ssh !== undefined) throw invalid('give either --local DIR or --ssh USER@HOST[:PORT], not both', '--local');
  if (options.local !== undefined) {
    for (const [flag, value] of [
      ['--key', options.key],
      ['--known-hosts', options.knownHosts],
      ['--root', options.root],
    ] as const) {
      if (value !== undefined) throw invalid(`${flag} is only for --ssh targets (a --local target's root is its DIR)`, flag);
    }
    if (options.local === '') throw invalid('--local needs a directory', '--local');
    return { name, labels, local: { root: resolve(cwd, options.local) } };
  }
  if (options.ssh === undefined) throw invalid('give --local DIR or --ssh USER@HOST[:PORT] --key FILE', '--ssh');
  const address = parseSshAddress(options.ssh);
  if (options.key === undefined || options.key === '') throw invalid('--ssh needs --key FILE (the private key the server connects with)', '--key');
  const root = options.root ?? DEFAULT_SSH_ROOT;
  if (!root.startsWith('/')) throw invalid(`--root ${quote(root)} must be an absolute path on the target (e.g. ${DEFAULT_SSH_ROOT})`, '--root');
  return {
    name,
    labels,
    ssh: {
      user: address.user,
      host: address.host,
      port: address.port,
      keyPath: resolve(cwd, options.key),
      ...(options.knownHosts !== undefined ? { knownHostsPath: resolve(cwd, options.knownHosts) } : {}),
      root,
    },
  };
}
