import { describe, expect, it } from 'vitest';
import { parseCommunicationWhen, renderCommunication, unknownPlaceholders } from './communication-template.js';
import { communicationNotices, dueNotices } from './communications.js';
import { planInputSchema } from './plan.js';

const plan = planInputSchema.parse({
  window: { start: '2026-12-05T22:00:00Z', end: '2026-12-06T02:00:00Z' },
  owners: [{ name: 'Ana', role: 'deployer' }],
  stakeholders: [
    { name: 'Support', contact: 'support@example.test' },
    { name: 'Customers', contact: 'status page' },
  ],
  communications: [
    { audience: 'Support', when: '24h before start', message: '{{app}} {{version}} goes out at {{window.start}} ({{change.id}})' },
    { audience: 'all', when: 'at start', message: 'Started: {{change.title}}' },
    { audience: 'Customers', when: '30m after end', message: 'Done, owners {{owners}}' },
  ],
});
const change = {
  id: 'C-7',
  title: 'Checkout <v2> & more',
  state: 'scheduled' as const,
  requester: 'ana',
  plan,
  computed: { app: 'shop', version: '2.0.0', releaseDigest: 'd', environment: 'production', targets: [], strategy: 'rolling', rollback: { previousVersion: null, how: '' }, tests: { healthChecks: [], analyses: [] } },
  risk: null,
};

describe('communication timing', () => {
  it('reads the forms people write, and nothing vaguer', () => {
    expect(parseCommunicationWhen('24h before start')).toEqual({ anchor: 'start', offsetMs: -86_400_000 });
    expect(parseCommunicationWhen(' At End ')).toEqual({ anchor: 'end', offsetMs: 0 });
    expect(parseCommunicationWhen('2 days before end')).toEqual({ anchor: 'end', offsetMs: -172_800_000 });
    expect(parseCommunicationWhen('15 minutes after start')).toEqual({ anchor: 'start', offsetMs: 900_000 });
    expect(parseCommunicationWhen('the day before')).toBeUndefined();
    expect(parseCommunicationWhen('24h before lunch')).toBeUndefined();
  });

  it('refuses a plan whose notice has no time or names an unknown placeholder, naming the field', () => {
    const bad = planInputSchema.safeParse({ communications: [{ audience: 'x', when: 'soonish', message: 'hi {{change.titel}}' }] });
    expect(bad.success).toBe(false);
    const messages = bad.error!.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(messages).toContainEqual(expect.stringMatching(/^communications\.0\.when: write "at start"/));
    expect(messages).toContainEqual(expect.stringMatching(/^communications\.0\.message: unknown placeholder \{\{change\.titel\}\}/));
    expect(unknownPlaceholders('{{ app }} {{nope}}')).toEqual(['nope']);
  });

  it('fills placeholders and leaves other braces alone', () => {
    expect(renderCommunication('{{app}} {x} {{ version }}', { app: 'shop', version: '1' } as never)).toBe('shop {x} 1');
  });
});

describe('communication notices', () => {
  it('counts warnings from the planned window and the rest from the real start and end', () => {
    const before = communicationNotices(change, { startedAt: null, endedAt: null });
    expect(before.map((notice) => [notice.status, notice.dueAt])).toEqual([
      ['scheduled', '2026-12-04T22:00:00.000Z'],
      ['waiting', null],
      ['waiting', null],
    ]);
    expect(before[0]!.message).toBe('shop 2.0.0 goes out at 2026-12-05T22:00:00Z (C-7)');
    expect(before[0]!.recipients).toEqual(['support@example.test']);
    // "all" names every stakeholder; only contacts that are email addresses are recipients.
    expect(before[1]!.recipients).toEqual(['support@example.test']);
    expect(dueNotices(before, new Date('2026-12-04T21:59:59Z'))).toEqual([]);
    expect(dueNotices(before, new Date('2026-12-04T22:00:00Z')).map((notice) => notice.index)).toEqual([0]);

    // Started 10 minutes late: "at start" is due then, and the warning is no longer sent.
    const started = communicationNotices({ ...change, state: 'implement' }, { startedAt: '2026-12-05T22:10:00.000Z', endedAt: null });
    expect(started.map((notice) => [notice.status, notice.dueAt])).toEqual([
      ['skipped', '2026-12-04T22:00:00.000Z'],
      ['scheduled', '2026-12-05T22:10:00.000Z'],
      ['waiting', null],
    ]);
    const ended = communicationNotices({ ...change, state: 'review' }, { startedAt: '2026-12-05T22:10:00.000Z', endedAt: '2026-12-05T23:00:00.000Z' });
    expect(ended[2]).toMatchObject({ status: 'scheduled', dueAt: '2026-12-05T23:30:00.000Z', message: 'Done, owners Ana (deployer)', recipients: [] });
  });

  it('keys each notice by the moment it counts from, so a moved window gets fresh notices', () => {
    const first = communicationNotices(change, { startedAt: null, endedAt: null })[0]!;
    const moved = communicationNotices({ ...change, plan: { ...plan, window: { start: '2026-12-12T22:00:00Z', end: '2026-12-13T02:00:00Z' } } }, { startedAt: null, endedAt: null })[0]!;
    expect(first.onceKey).toBe('change.communication:C-7:0:2026-12-05T22:00:00Z');
    expect(moved.onceKey).not.toBe(first.onceKey);
  });

  it('sends nothing for a change that is not scheduled, or was cancelled', () => {
    expect(communicationNotices({ ...change, state: 'authorize' }, { startedAt: null, endedAt: null }).every((notice) => notice.status === 'waiting')).toBe(true);
    expect(communicationNotices({ ...change, state: 'cancelled' }, { startedAt: null, endedAt: null }).every((notice) => notice.status === 'skipped')).toBe(true);
  });
});
