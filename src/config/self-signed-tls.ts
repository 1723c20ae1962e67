import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { generate } from 'selfsigned';

/** Long enough not to surprise anyone mid-quarter; short enough that a forgotten one ends. */
const VALID_DAYS = 397;
/** Renewed this long before it ends, at a start. */
const RENEW_BEFORE_MS = 30 * 86_400_000;

/** The names a certificate for this listen host must carry: the host, plus the loopback names. */
function namesFor(listenHost: string): string[] {
  const wildcard = listenHost === '0.0.0.0' || listenHost === '::';
  return [...new Set(['localhost', '127.0.0.1', '::1', ...(wildcard ? [] : [listenHost])])];
}

function covers(pem: string, names: readonly string[], now: Date): boolean {
  const certificate = new X509Certificate(pem);
  if (Date.parse(certificate.validTo) - now.getTime() < RENEW_BEFORE_MS) return false;
  return names.every((name) => (isIP(name) ? certificate.checkIP(name) !== undefined : certificate.checkHost(name) !== undefined));
}

/**
 * `gantry serve --tls-self-signed`: a certificate for a quick start with HTTPS. Made once in
 * `<data dir>/tls/` (key mode 0600) and reused, so its fingerprint — which agents pin — stays
 * the same across restarts; made again only when it no longer names the listen host or is close
 * to its end. For production, give a certificate from your CA (`--tls-cert`, `--tls-key`).
 */
export async function ensureSelfSignedCertificate(dataDir: string, listenHost: string, now: Date): Promise<{ certFile: string; keyFile: string }> {
  const dir = join(dataDir, 'tls');
  const certFile = join(dir, 'self-signed.crt');
  const keyFile = join(dir, 'self-signed.key');
  const names = namesFor(listenHost);
  const existing = await readFile(certFile, 'utf8').catch(() => null);
  if (existing !== null && covers(existing, names, now)) return { certFile, keyFile };
  const pems = await generate([{ name: 'commonName', value: names.find((name) => !isIP(name) && name !== 'localhost') ?? 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: now,
    notAfterDate: new Date(now.getTime() + VALID_DAYS * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: names.map((name) => (isIP(name) ? { type: 7 as const, ip: name } : { type: 2 as const, value: name })) },
    ],
  });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(keyFile, pems.private, { mode: 0o600 });
  await writeFile(certFile, pems.cert, { mode: 0o644 });
  return { certFile, keyFile };
}
