import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction, Socket } from 'node:net';
import { parseIpAddress, type OutboundPolicy } from './outbound-policy.js';

/**
 * One HTTP(S) request on a user's behalf, through the outbound policy: an IP-literal host is
 * checked before any socket exists; a host name is checked on every address it resolves to, in
 * the connection's own lookup (so a second answer from DNS cannot differ from the checked one),
 * and only the allowed addresses are connected to — none allowed is a refusal; and the connected
 * socket's peer is checked again before a byte is written. Redirects are never
 * followed (each hop would be a new destination): a 3xx answer with a Location is an error.
 * One connection per request (no pooling), so every request is resolved and checked anew.
 */

export class OutboundRefused extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'OutboundRefused';
  }
}

export class OutboundRedirect extends Error {
  constructor(
    readonly status: number,
    /** The Location, resolved against the request URL; undefined when it is not a URL. */
    readonly location: URL | undefined,
  ) {
    super(`HTTP ${status} redirect`);
    this.name = 'OutboundRedirect';
  }
}

export class OutboundResponseTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`the response is larger than ${limit} bytes`);
    this.name = 'OutboundResponseTooLarge';
  }
}

/** Name resolution with every address (dns.lookup with `all: true`); tests pass a fake. */
export type ResolveHost = (hostname: string, options: { family?: number; hints?: number }, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

const systemResolve: ResolveHost = (hostname, options, callback) => dnsLookup(hostname, { family: options.family ?? 0, hints: options.hints, all: true }, callback);

export interface OutboundRequest {
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
  /** Aborts the request wherever it is (the caller combines its deadline into it). */
  readonly signal: AbortSignal;
  readonly maxResponseBytes: number;
  readonly policy: OutboundPolicy;
  readonly resolve?: ResolveHost;
}

export interface OutboundAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export async function sendOutbound(url: URL, request: OutboundRequest): Promise<OutboundAnswer> {
  request.signal.throwIfAborted();
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundRefused(`${url.protocol} URLs are not called; use http or https`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  const policy = request.policy;
  // Node connects to an IP literal without a lookup: check it here, before any socket exists.
  if (parseIpAddress(host) !== undefined) {
    const refusal = policy.refusal({ host, address: host, port });
    if (refusal !== undefined) throw new OutboundRefused(refusal);
  }
  const resolve = request.resolve ?? systemResolve;
  const lookup: LookupFunction = (hostname, options, callback) => {
    resolve(hostname, { family: typeof options.family === 'number' ? options.family : undefined, hints: options.hints }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
      // Only the allowed addresses are handed to the connection; none allowed is a refusal.
      const refusals = addresses.map(({ address }) => policy.refusal({ host: hostname, address, port }));
      const allowed = addresses.filter((_, index) => refusals[index] === undefined);
      if (allowed.length === 0) return callback(new OutboundRefused(refusals[0]!), '', 0);
      if (options.all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, allowed);
      return callback(null, allowed[0]!.address, allowed[0]!.family);
    });
  };

  return new Promise<OutboundAnswer>((resolvePromise, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const outgoing = send({
      protocol: url.protocol,
      hostname: host,
      port,
      path: `${url.pathname}${url.search}`,
      method: request.method,
      headers: request.headers,
      lookup,
      agent: false,
      signal: request.signal,
    });
    outgoing.on('error', reject);
    outgoing.on('socket', (socket: Socket) => {
      // The last word, at connection time: the peer actually connected to.
      socket.prependOnceListener('connect', () => {
        const refusal = policy.refusal({ host, address: socket.remoteAddress ?? '', port: socket.remotePort ?? port });
        if (refusal !== undefined) socket.destroy(new OutboundRefused(refusal));
      });
    });
    outgoing.on('response', (response: IncomingMessage) => {
      const status = response.statusCode ?? 0;
      if (REDIRECTS.has(status)) {
        response.destroy();
        reject(new OutboundRedirect(status, locationOf(response, url)));
        return;
      }
      readBody(response, request.maxResponseBytes).then((body) => resolvePromise({ status, headers: response.headers, body }), reject);
    });
    outgoing.end(request.body);
  });
}

function locationOf(response: IncomingMessage, base: URL): URL | undefined {
  const location = response.headers.location;
  if (location === undefined) return undefined;
  try {
    return new URL(location, base);
  } catch {
    return undefined;
  }
}

function readBody(response: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) {
        response.destroy();
        reject(new OutboundResponseTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    response.on('end', () => resolve(Buffer.concat(chunks)));
    response.on('error', reject);
    response.on('close', () => {
      if (!response.complete) reject(new Error('the connection closed before the response was complete'));
    });
  });
}
