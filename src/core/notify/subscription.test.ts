import { describe, expect, it } from 'vitest';
import type { NotificationEvent } from './events.js';
import { subscriptionInputSchema, subscriptionMatches, toSubscription } from './subscription.js';

const event: NotificationEvent = {
  type: 'deployment.failed',
  subject: 'deployment D-1',
  onceKey: 'deployment.failed:D-1',
  at: '2026-11-28T10:00:00.000Z',
  severity: 'failure',
  title: 't',
  lines: [],
  app: 'shop',
  environment: 'production',
  risk: 'moderate',
  labels: { team: 'payments', tier: 'gold' },
  digestKey: null,
  data: {},
};

const subscribe = (input: Record<string, unknown>) => toSubscription('s', subscriptionInputSchema.parse({ channel: 'c', events: ['deployment.failed'], ...input }));

describe('subscription matching', () => {
  it('matches on event type, then narrows by app, environment, minimum risk and labels', () => {
    expect(subscriptionMatches(subscribe({}), event)).toBe(true);
    expect(subscriptionMatches(subscribe({ events: ['deployment.succeeded'] }), event)).toBe(false);
    expect(subscriptionMatches(subscribe({ apps: ['shop', 'blog'] }), event)).toBe(true);
    expect(subscriptionMatches(subscribe({ apps: ['blog'] }), event)).toBe(false);
    expect(subscriptionMatches(subscribe({ environments: ['staging'] }), event)).toBe(false);
    expect(subscriptionMatches(subscribe({ minimumRisk: 'moderate' }), event)).toBe(true);
    expect(subscriptionMatches(subscribe({ minimumRisk: 'high' }), event)).toBe(false);
    expect(subscriptionMatches(subscribe({ labels: { team: 'payments' } }), event)).toBe(true);
    expect(subscriptionMatches(subscribe({ labels: { team: 'search' } }), event)).toBe(false);
  });

  it('a filter leaves out events that lack what it filters on', () => {
    expect(subscriptionMatches(subscribe({ minimumRisk: 'low' }), { ...event, risk: null })).toBe(false);
    expect(subscriptionMatches(subscribe({ apps: ['shop'] }), { ...event, app: null })).toBe(false);
  });

  it('reads a digest as a duration and refuses unknown events', () => {
    expect(subscribe({ digest: '2m' }).digestSeconds).toBe(120);
    expect(subscribe({}).digestSeconds).toBe(0);
    expect(subscriptionInputSchema.safeParse({ channel: 'c', events: ['deployment.exploded'] }).success).toBe(false);
    expect(subscriptionInputSchema.safeParse({ channel: 'c', events: [] }).success).toBe(false);
  });
});
