/**
 * Pinning the server's TLS certificate. The admin reads the server's fingerprint off
 * `gantry agent token create` (or `gantry serve`) and gives it at enrolment with
 * `--server-fingerprint`; the agent fetches the certificate once, checks it has that
 * fingerprint, keeps it in agent.json, and from then on trusts that certificate alone for the
 * enrolment request and every session. Without a pin an https server must have a certificate
 * the system trusts: nothing is ever trusted on first use silently.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { request } from 'node:https';
import type { PeerCertificate } from 'node:tls';
import { isIP } from 'node:net';
import tls from 'node:tls';
import { AGENT_EXIT_CODES, AgentFailure } from './failure.js';

export interface ServerPin {
  /** SHA-256 of the certificate's DER, as `AB:CD:…` (Node's fingerprint256 form). */
  readonly fingerprint: string;
  /** The certificate, PEM: the one trust anchor for this server. */
  readonly certificate: string;
}

/** TLS options that accept only the pinned certificate, whatever name or issuer it has. */
export interface PinnedTlsOptions {
  readonly ca: string;
  readonly checkServerIdentity: (host: string, cert: PeerCertificate) => Error | undefined;
}

const HEX64 = /^[0-9a-f]{64}$/;

function invalid(message: string): AgentFailure {
  return new AgentFailure('REQUEST_INVALID', message, AGENT_EXIT_CODES.invalid);
}

/** `sha256:abcd…`, `AB:CD:…` or 64 hex digits → `AB:CD:…`. */
export function normaliseFingerprint(text: string): string {
  const hex = text.trim().replace(/^sha256:/i, '').replace(/:/g, '').toLowerCase();
  if (!HEX64.test(hex)) throw invalid(`--server-fingerprint ${JSON.stringify(text.slice(0, 120))} is not a SHA-256 fingerprint (64 hex digits, as printed by \`gantry agent token create\`)`);
  return hex.toUpperCase().match(/../g)!.join(':');
}

function fingerprintOf(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':');
}

function mismatch(server: string, expected: string, actual: string): AgentFailure {
  return new AgentFailure(
    'SERVER_CERTIFICATE_MISMATCH',
    `the TLS certificate of ${server} has fingerprint ${actual}, not the pinned ${expected}: refusing to talk to it (if the server's certificate was replaced, enrol again with its new fingerprint)`,
    AGENT_EXIT_CODES.denied,
  );
}

export function pinnedTlsOptions(pin: ServerPin): PinnedTlsOptions {
  return {
    ca: pin.certificate,
    checkServerIdentity: (_host, cert) => {
      const actual = cert.raw ? fingerprintOf(cert.raw) : 'unknown';
      return actual === pin.fingerprint ? undefined : mismatch('the server', pin.fingerprint, actual);
    },
  };
}

/** Connects once (sending nothing), and returns the server's certificate if it has the fingerprint. */
export function fetchPinnedCertificate(server: string, fingerprint: string, timeoutMs = 15_000): Promise<ServerPin> {
  const url = new URL(server);
  return new Promise<ServerPin>((resolve, reject) => {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    // Nothing is sent on this connection: it only shows the certificate (SNI names only hosts, never addresses).
    const socket = tls.connect({ host, port: Number(url.port || 443), ...(isIP(host) ? {} : { servername: host }), rejectUnauthorized: false });
    const timer = setTimeout(() => socket.destroy(new Error('timed out')), timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const der = socket.getPeerCertificate(false).raw;
      socket.end();
      if (!der) return reject(new AgentFailure('SERVER_UNREACHABLE', `${server} sent no TLS certificate`, AGENT_EXIT_CODES.unavailable));
      const actual = fingerprintOf(der);
      if (actual !== fingerprint) return reject(mismatch(server, fingerprint, actual));
      resolve({ fingerprint, certificate: new X509Certificate(der).toString() });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new AgentFailure('SERVER_UNREACHABLE', `cannot reach the Gantry server at ${server} [${error.code ?? error.message}]`, AGENT_EXIT_CODES.unavailable, { cause: error }));
    });
  });
}

/** A fetch for the enrolment request that trusts only the pinned certificate. */
export function pinnedFetch(pin: ServerPin): typeof fetch {
  const options = pinnedTlsOptions(pin);
  return (input, init) =>
    new Promise<Response>((resolve, reject) => {
      const req = request(
        String(input),
        { method: init?.method ?? 'GET', headers: init?.headers as Record<string, string>, agent: false, ca: options.ca, checkServerIdentity: options.checkServerIdentity, signal: init?.signal ?? undefined },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve(new Response(Buffer.concat(chunks), { status: response.statusCode ?? 500 })));
          response.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(init?.body as string | undefined);
    });
}
