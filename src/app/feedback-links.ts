/**
 * Signed feedback links: `<base64url(payload)>.<base64url(HMAC-SHA256(payload))>`, where the
 * payload names the deployment, the audience label, the expiry and a nonce. The HMAC key is
 * derived from the master key for this purpose alone (never the key itself), so every node of an
 * installation verifies the links any node minted, and a link says nothing about the key. The
 * signature is checked (in constant time) before anything in the payload is believed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { GantryError } from '../core/errors.js';
import type { SecretKeyring } from '../secrets/envelope.js';

/** The purpose the link key is derived for; a new version makes every link minted before invalid. */
const LINK_KEY_PURPOSE = 'feedback-links/v1';
const SIGNATURE_BYTES = 32;
/** A token's size is bounded before any work is done on it. */
export const MAX_TOKEN_LENGTH = 1024;

export interface FeedbackLinkClaims {
  readonly deployment: string;
  readonly audience: string;
  /** ISO 8601 UTC. */
  readonly expiresAt: string;
  readonly nonce: string;
}

const claimsSchema = z.strictObject({
  deployment: z.string().min(1).max(200),
  audience: z.string().min(1).max(200),
  expiresAt: z.iso.datetime(),
  nonce: z.string().min(16).max(100),
});

const BASE64URL = /^[A-Za-z0-9_-]+$/;

const linkKey = (keyring: SecretKeyring) => Buffer.from(keyring.credential(LINK_KEY_PURPOSE), 'base64url');
const sign = (keyring: SecretKeyring, payload: string) => createHmac('sha256', linkKey(keyring)).update(payload, 'ascii').digest();

export function signFeedbackLink(keyring: SecretKeyring, claims: FeedbackLinkClaims): string {
  const payload = Buffer.from(JSON.stringify({ deployment: claims.deployment, audience: claims.audience, expiresAt: claims.expiresAt, nonce: claims.nonce }), 'utf8').toString('base64url');
  return `${payload}.${sign(keyring, payload).toString('base64url')}`;
}

function refused(message: string): GantryError {
  return new GantryError('FEEDBACK_LINK_INVALID', message, { where: 'token' });
}

/**
 * The claims of a link this installation signed and that has not expired. A malformed,
 * truncated or altered token is FEEDBACK_LINK_INVALID, an expired one FEEDBACK_LINK_EXPIRED;
 * messages never repeat the token.
 */
export function verifyFeedbackLink(keyring: SecretKeyring, token: string, now: Date): FeedbackLinkClaims {
  const parts = token.length <= MAX_TOKEN_LENGTH ? token.split('.') : [];
  if (parts.length !== 2 || !parts.every((part) => BASE64URL.test(part))) {
    throw refused('this feedback link is malformed (perhaps cut short when it was copied); open the whole link, or ask for a new one');
  }
  const [payload, signature] = parts as [string, string];
  const given = Buffer.from(signature, 'base64url');
  const expected = sign(keyring, payload);
  // Canonical encoding only: otherwise the spare bits of the last character would let several spellings of one signature pass.
  const canonical = given.toString('base64url') === signature;
  if (!canonical || given.length !== SIGNATURE_BYTES || !timingSafeEqual(given, expected)) {
    throw refused('this feedback link was altered or cut short, or was not made by this server; open the whole link, or ask for a new one');
  }
  let claims: FeedbackLinkClaims;
  try {
    claims = claimsSchema.parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
  } catch {
    // Signed by this installation yet unreadable: a link format this version does not know.
    throw refused('this feedback link is not one this version of Gantry can read; ask for a new one');
  }
  if (Date.parse(claims.expiresAt) <= now.getTime()) {
    throw new GantryError('FEEDBACK_LINK_EXPIRED', `this feedback link expired at ${claims.expiresAt}; ask whoever sent it for a new one`, { where: 'token', expiresAt: claims.expiresAt });
  }
  return claims;
}
