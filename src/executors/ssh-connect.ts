/**
 * Opens an authenticated ssh2 connection, turning every failure into a GantryError:
 * HOST_KEY_MISMATCH when the host key check refuses the server, TARGET_UNREACHABLE for
 * everything else (naming user@host:port), INTERRUPTED when cancelled.
 */
import { readFile } from 'node:fs/promises';
import { Client } from 'ssh2';
import { GantryError } from '../core/errors.js';

export interface SshEndpoint {
  readonly user: string;
  readonly host: string;
  readonly port: number;
  /** Path of the private key file, read at connect time. */
  readonly keyPath: string;
}

/** Decides on the server's raw host key: null accepts it, an error refuses the connection. */
export type HostKeyCheck = (keyBlob: Buffer) => GantryError | null;

export interface SshConnectOptions {
  /** Limit for TCP connect, handshake and authentication together. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

const KEEPALIVE_INTERVAL_MS = 15_000;
const KEEPALIVE_COUNT_MAX = 4;

export function describeSshEndpoint(endpoint: SshEndpoint): string {
  return `${endpoint.user}@${endpoint.host}:${endpoint.port}`;
}

function unreachable(endpoint: SshEndpoint, error: unknown, timeoutMs: number): GantryError {
  const who = describeSshEndpoint(endpoint);
  const details = { user: endpoint.user, host: endpoint.host, port: endpoint.port };
  const level = error instanceof Error && 'level' in error ? error.level : undefined;
  const message =
    level === 'client-authentication' ? `authentication to ${who} with the key ${endpoint.keyPath} failed`
    : level === 'client-timeout' ? `${who} did not complete the SSH handshake within ${timeoutMs} ms`
    : level === 'client-dns' ? `cannot resolve the host name of ${who}`
    : `cannot connect to ${who}`;
  return new GantryError('TARGET_UNREACHABLE', message, details, { cause: error });
}

export async function connectSsh(endpoint: SshEndpoint, checkHostKey: HostKeyCheck, options: SshConnectOptions): Promise<Client> {
  const who = describeSshEndpoint(endpoint);
  let privateKey: Buffer;
  try {
    privateKey = await readFile(endpoint.keyPath);
  } catch (error) {
    throw new GantryError('TARGET_UNREACHABLE', `cannot read the SSH private key ${endpoint.keyPath} for ${who}`, { keyPath: endpoint.keyPath }, { cause: error });
  }
  if (options.signal?.aborted) throw new GantryError('INTERRUPTED', 'cancelled');

  return new Promise<Client>((resolve, reject) => {
    const client = new Client();
    let hostKeyError: GantryError | null = null;
    let settled = false;
    const onAbort = (): void => fail(new GantryError('INTERRUPTED', 'cancelled'));
    function fail(error: GantryError): void {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      client.destroy();
      reject(error);
    }
    // Errors after the failure (or late ones) must not crash the process.
    client.on('error', (error) => fail(hostKeyError ?? unreachable(endpoint, error, options.timeoutMs)));
    client.once('close', () => fail(hostKeyError ?? unreachable(endpoint, new Error('connection closed during the handshake'), options.timeoutMs)));
    client.once('ready', () => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      resolve(client);
    });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      client.connect({
        host: endpoint.host,
        port: endpoint.port,
        username: endpoint.user,
        privateKey,
        readyTimeout: options.timeoutMs,
        keepaliveInterval: KEEPALIVE_INTERVAL_MS,
        keepaliveCountMax: KEEPALIVE_COUNT_MAX,
        hostVerifier: (keyBlob: Buffer): boolean => {
          hostKeyError = checkHostKey(keyBlob);
          return hostKeyError === null;
        },
      });
    } catch (error) {
      // ssh2 throws synchronously for a private key it cannot parse.
      fail(new GantryError('TARGET_UNREACHABLE', `the SSH private key ${endpoint.keyPath} for ${who} cannot be used`, { keyPath: endpoint.keyPath }, { cause: error }));
    }
  });
}
