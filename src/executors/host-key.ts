/**
 * SSH host key fingerprints, in the format Gantry stores and `ssh-keygen -lf` prints:
 * `SHA256:` followed by the unpadded base64 of the SHA-256 of the raw public key blob,
 * e.g. `SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s`.
 */
import { createHash } from 'node:crypto';

export function fingerprintHostKey(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** Accepts a stored fingerprint with or without the `SHA256:` prefix or base64 padding. */
export function normalizeFingerprint(fingerprint: string): string {
  const bare = fingerprint.trim().replace(/^SHA256:/, '').replace(/=+$/, '');
  return `SHA256:${bare}`;
}
