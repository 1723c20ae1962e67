import { describe, expect, it } from 'vitest';
import { agentOfflineNotifications, changeNotifications, complianceNotification, deploymentNotification, driftNotification, windowSoonNotifications, type ChangeEventRow, type DeploymentEventRow } from './source-events.js';

const deploymentRow = (type: string, data: Record<string, unknown> = {}): DeploymentEventRow => ({
  seq: 7,
  deploymentId: 'D-12',
  type,
  data,
  at: '2026-11-28T10:00:00.000Z',
  app: 'shop',
  environment: 'production',
  version: '1.4.2',
  risk: 'high',
  batches: [['web-1'], ['web-2', 'web-3']],
  reason: 'halted: health check failed',
});

const changeRow = (fields: Partial<ChangeEventRow>): ChangeEventRow => ({
  seq: 40,
  changeId: 'C-4',
  type: 'change:approved-by',
  fromState: 'authorize',
  toState: 'scheduled',
  actor: 'ana',
  at: '2026-11-28T10:00:00.000Z',
  title: 'Shop 1.4.2',
  app: 'shop',
  environment: 'production',
  version: '1.4.2',
  risk: 'moderate',
  windowStart: '2026-11-29T22:00:00.000Z',
  ...fields,
});

describe('deployment events', () => {
  it('maps the lifecycle to notification events with once keys of event + subject + state', () => {
    expect(deploymentNotification(deploymentRow('deployment:started'))).toMatchObject({ type: 'deployment.started', onceKey: 'deployment.started:D-12', subject: 'deployment D-12', app: 'shop', environment: 'production', risk: 'high' });
    expect(deploymentNotification(deploymentRow('deployment:succeeded'))).toMatchObject({ type: 'deployment.succeeded', onceKey: 'deployment.succeeded:D-12', severity: 'success' });
    expect(deploymentNotification(deploymentRow('deployment:failed', { code: 'HEALTH_CHECK_FAILED', message: 'web-2 did not answer' }))).toMatchObject({ type: 'deployment.failed', severity: 'failure', lines: ['web-2 did not answer'] });
    expect(deploymentNotification(deploymentRow('deployment:rolled-back'))).toMatchObject({ type: 'deployment.rolled-back', onceKey: 'deployment.rolled-back:D-12' });
  });

  it('sends one batch-finished per batch, listing its targets', () => {
    const event = deploymentNotification(deploymentRow('batch:finished', { batch: 1 }));
    expect(event).toMatchObject({ type: 'deployment.batch-finished', onceKey: 'deployment.batch-finished:D-12:batch2', title: 'Batch 2/2 of shop 1.4.2 to production finished', lines: ['targets: web-2, web-3'] });
  });

  it('tells of a pause only when it waits for a person (no time to go on)', () => {
    expect(deploymentNotification(deploymentRow('deployment:paused', { resumeAt: null, reason: 'paused at gate 1' }))).toMatchObject({ type: 'deployment.waiting-for-promotion', onceKey: 'deployment.waiting-for-promotion:D-12:seq7' });
    expect(deploymentNotification(deploymentRow('deployment:paused', { resumeAt: '2026-11-28T10:05:00.000Z' }))).toBeNull();
    expect(deploymentNotification(deploymentRow('task:step-started'))).toBeNull();
  });
});

describe('change events', () => {
  it('an authorisation is both approved and scheduled', () => {
    expect(changeNotifications(changeRow({})).map((event) => event.type)).toEqual(['change.approved', 'change.scheduled']);
  });

  it('submission, rejection, and a standard change scheduled on submission', () => {
    expect(changeNotifications(changeRow({ type: 'change:submitted', fromState: 'new', toState: 'assess' })).map((event) => event.onceKey)).toEqual(['change.submitted:C-4:e40']);
    expect(changeNotifications(changeRow({ type: 'change:rejected-by', fromState: 'authorize', toState: 'rejected' })).map((event) => event.type)).toEqual(['change.rejected']);
    expect(changeNotifications(changeRow({ type: 'change:submitted', fromState: 'new', toState: 'scheduled' })).map((event) => event.type)).toEqual(['change.submitted', 'change.scheduled']);
    expect(changeNotifications(changeRow({ type: 'change:revised', fromState: 'scheduled', toState: 'scheduled' }))).toEqual([]);
  });
});

describe('fleet state', () => {
  it('digests compliance flips per policy and leaves out not-applicable first results', () => {
    const flip = { seq: 3, policy: 'ssh', target: 'web-1', from: 'pass', to: 'fail', reasons: ['sshd allows root'], at: '2026-11-28T10:00:00.000Z', labels: { role: 'web' } };
    expect(complianceNotification(flip)).toMatchObject({ type: 'compliance.changed', digestKey: 'policy:ssh', severity: 'failure', labels: { role: 'web' } });
    expect(complianceNotification({ ...flip, from: null, to: 'not_applicable' })).toBeNull();
  });

  it('drift once per episode, digested per environment', () => {
    const event = driftNotification({ target: 'web-1', app: 'shop', environment: 'production', version: '1.4.2', firstSeenAt: '2026-11-28T09:00:00.000Z', changed: 2, added: 1, removed: 0, unauthorised: true, labels: {} });
    expect(event).toMatchObject({ onceKey: 'drift.detected:shop@web-1:2026-11-28T09:00:00.000Z', digestKey: 'environment:production', severity: 'failure' });
  });

  it('an agent is offline once it has been silent for the offline setting, once per time last seen', () => {
    const now = new Date('2026-11-28T10:00:00.000Z');
    const agents = [
      { name: 'a', labels: {}, lastSeenAt: '2026-11-28T09:59:00.000Z', online: false },
      { name: 'b', labels: {}, lastSeenAt: '2026-11-28T09:59:50.000Z', online: false },
      { name: 'c', labels: {}, lastSeenAt: '2026-11-28T09:00:00.000Z', online: true },
      { name: 'd', labels: {}, lastSeenAt: null, online: false },
    ];
    expect(agentOfflineNotifications(agents, now, 30_000).map((event) => event.onceKey)).toEqual(['agent.offline:a:2026-11-28T09:59:00.000Z']);
  });

  it('a window opening within the lead time, not one already open or far away', () => {
    const now = new Date('2026-11-28T10:00:00.000Z');
    const change = { id: 'C-4', title: 't', app: 'shop', environment: 'production', version: '1', risk: null };
    const events = windowSoonNotifications(
      [
        { ...change, windowStart: '2026-11-28T10:30:00.000Z' },
        { ...change, id: 'C-5', windowStart: '2026-11-28T09:30:00.000Z' },
        { ...change, id: 'C-6', windowStart: '2026-11-28T12:00:00.000Z' },
      ],
      now,
      3_600_000,
    );
    expect(events.map((event) => event.onceKey)).toEqual(['change.window-soon:C-4:2026-11-28T10:30:00.000Z']);
  });
});
