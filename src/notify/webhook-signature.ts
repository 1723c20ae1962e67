import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NotificationMessage } from '../core/notify/message.js';

/**
 * The webhook body and its signature, as receivers check it (Stripe's scheme): header
 * `X-Gantry-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. The
 * timestamp is signed with the body so a captured request cannot be replayed later.
 */
export const SIGNATURE_HEADER = 'X-Gantry-Signature';
export const EVENT_HEADER = 'X-Gantry-Event';
export const DELIVERY_HEADER = 'X-Gantry-Delivery';

export function webhookBody(message: NotificationMessage): string {
  const { id, type, subject, severity, title, lines, items, link, createdAt } = message;
  return JSON.stringify({ id, type, subject, severity, title, lines, items, link, createdAt });
}

export function signWebhookBody(secret: string, body: string, unixSeconds: number): string {
  const digest = createHmac('sha256', secret).update(`${unixSeconds}.${body}`, 'utf8').digest('hex');
  return `t=${unixSeconds},v1=${digest}`;
}

/**
 * What a receiver does: true when the header carries a v1 signature of this body with this
 * secret, made no more than `toleranceSeconds` from `nowSeconds`.
 */
export function verifyWebhookSignature(secret: string, header: string, body: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const parts = new Map(header.split(',').map((part) => [part.slice(0, part.indexOf('=')).trim(), part.slice(part.indexOf('=') + 1).trim()] as const));
  const t = Number(parts.get('t'));
  const given = parts.get('v1');
  if (!Number.isInteger(t) || given === undefined || !/^[0-9a-f]{64}$/.test(given)) return false;
  if (Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = signWebhookBody(secret, body, t).slice(`t=${t},v1=`.length);
  return timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(given, 'hex'));
}
