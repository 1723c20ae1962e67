import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhookBody, verifyWebhookSignature, webhookBody } from './webhook-signature.js';

const secret = 'whsec-0123456789abcdef';

describe('webhook signature', () => {
  it('is t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">', () => {
    const body = '{"id":"N-1"}';
    const expected = createHmac('sha256', secret).update(`1764324000.${body}`).digest('hex');
    expect(signWebhookBody(secret, body, 1764324000)).toBe(`t=1764324000,v1=${expected}`);
  });

  it('verifies the body and time it was made for, and nothing else', () => {
    const body = webhookBody({ id: 'N-1', type: 'deployment.succeeded', subject: 'deployment D-1', severity: 'success', title: 'Deployed', lines: [], items: [], link: null, createdAt: '2026-11-28T10:00:00.000Z' });
    const header = signWebhookBody(secret, body, 1000);
    expect(verifyWebhookSignature(secret, header, body, 1010)).toBe(true);
    expect(verifyWebhookSignature(secret, header, `${body} `, 1010)).toBe(false);
    expect(verifyWebhookSignature('another-secret-entirely', header, body, 1010)).toBe(false);
    expect(verifyWebhookSignature(secret, header, body, 1000 + 301)).toBe(false);
    expect(verifyWebhookSignature(secret, header.replace('t=1000', 't=1001'), body, 1001)).toBe(false);
    expect(verifyWebhookSignature(secret, 'garbage', body, 1000)).toBe(false);
  });

  it('carries the fields receivers read', () => {
    const body = JSON.parse(webhookBody({ id: 'N-1', type: 'deployment.failed', subject: 's', severity: 'failure', title: 't', lines: ['l'], items: [], link: null, createdAt: 'c', recipients: ['x@example.com'] })) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['id', 'type', 'subject', 'severity', 'title', 'lines', 'items', 'link', 'createdAt']);
  });
});
