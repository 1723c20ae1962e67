import { describe, expect, it } from 'vitest';
import type { CalendarWindow } from '../calendar/window.js';
import type { Approval } from './approvals.js';
import type { ChangeRequest } from './change-request.js';
import { clearChange, type ClearanceQuery } from './clearance.js';
import { planInputSchema } from './plan.js';

const WINDOW = { start: '2026-12-05T22:00:00Z', end: '2026-12-06T02:00:00Z' };
const INSIDE = new Date('2026-12-05T23:00:00Z');
const SCOPE = { app: 'shop', environment: 'production', targets: [{ name: 'web-1', labels: { role: 'web' } }] };

const approval = (by: string, extra: Partial<Approval> = {}): Approval => ({ by, groups: ['cab'], at: '2026-12-01T10:00:00Z', releaseDigest: 'sha256:aa', planVersion: 1, decision: 'approve', ...extra });

function change(extra: Partial<ChangeRequest> = {}): ChangeRequest {
  return {
    id: 'C-1',
    type: 'normal',
    state: 'scheduled',
    title: 'Deploy shop 2.0.0 to production',
    requester: 'alice',
    deployer: null,
    plan: planInputSchema.parse({ window: WINDOW, checklist: [{ item: 'runbook updated', owner: 'alice', status: 'done' }] }),
    planVersion: 1,
    computed: { app: 'shop', version: '2.0.0', releaseDigest: 'sha256:aa', environment: 'production', targets: ['web-1'], strategy: 'rolling', rollback: { previousVersion: '1.0.0', how: '' }, tests: { healthChecks: [], analyses: [] } },
    risk: null,
    approvalPolicy: { name: 'cab', requirements: [{ group: 'cab', count: 2 }] },
    approvals: [approval('bob'), approval('carol')],
    deploymentId: null,
    evidence: null,
    review: null,
    rowVersion: 1,
    createdAt: '2026-12-01T09:00:00Z',
    updatedAt: '2026-12-01T10:00:00Z',
    ...extra,
  };
}

const query = (extra: Partial<ClearanceQuery> = {}): ClearanceQuery => ({ change: change(), phase: 'start', deployer: 'eve', now: INSIDE, windows: [], scope: SCOPE, ...extra });
const freeze = (start: string, end: string): CalendarWindow => ({ name: 'release-freeze', kind: 'freeze', start, end, scope: { environments: ['production'], apps: [], targetLabels: {} } });
const maintenance: CalendarWindow = { name: 'nightly', kind: 'maintenance', cron: '0 22 * * *', duration: '2h', timeZone: 'UTC', scope: { environments: [], apps: [], targetLabels: { role: 'web' } } };

describe('clearing a change to deploy', () => {
  it('clears an authorised, ready change inside its window', () => {
    expect(clearChange(query())).toEqual({ ok: true });
  });

  it('refuses a change that is not scheduled, or whose approvals do not hold with this deployer', () => {
    expect(clearChange(query({ change: change({ state: 'authorize' }) }))).toMatchObject({ ok: false, code: 'CHANGE_NOT_AUTHORISED', reason: expect.stringContaining('waiting for approval') });
    expect(clearChange(query({ deployer: 'bob' }))).toMatchObject({ ok: false, code: 'CHANGE_NOT_AUTHORISED', reason: expect.stringContaining('bob is the deployer') });
    expect(clearChange(query({ change: change({ approvals: [approval('bob'), approval('carol', { planVersion: 0 })] }) }))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('1 more from cab'),
    });
    // A standard change has no vote to check.
    expect(clearChange(query({ change: change({ type: 'standard', approvals: [], approvalPolicy: null }) }))).toEqual({ ok: true });
  });

  it('refuses a change with open readiness items, naming them', () => {
    const plan = planInputSchema.parse({ window: WINDOW, checklist: [{ item: 'backup taken', owner: 'dba' }] });
    expect(clearChange(query({ change: change({ plan }) }))).toMatchObject({ ok: false, code: 'CHANGE_NOT_READY', reason: expect.stringContaining('"backup taken" (owner dba) is still open') });
  });

  it('refuses outside the planned window, at both edges', () => {
    expect(clearChange(query({ now: new Date('2026-12-05T21:59:59Z') }))).toMatchObject({ ok: false, code: 'OUTSIDE_WINDOW', until: null });
    expect(clearChange(query({ now: new Date(WINDOW.end) }))).toMatchObject({ ok: false, code: 'OUTSIDE_WINDOW' });
    expect(clearChange(query({ now: new Date(WINDOW.start) }))).toEqual({ ok: true });
  });

  it('holds a freeze until it lifts when that is inside the window, and without a time when it outlasts it', () => {
    const short = clearChange(query({ windows: [freeze('2026-12-05T22:30:00Z', '2026-12-05T23:30:00Z')] }));
    expect(short).toMatchObject({ ok: false, code: 'FREEZE_ACTIVE', until: new Date('2026-12-05T23:30:00Z') });
    const long = clearChange(query({ windows: [freeze('2026-12-05T22:30:00Z', '2026-12-24T00:00:00Z')] }));
    expect(long).toMatchObject({ ok: false, code: 'FREEZE_ACTIVE', until: null, reason: expect.stringContaining("past the end of change C-1's window") });
  });

  it('asks the batch targets to be inside their maintenance windows, except of an emergency change', () => {
    expect(clearChange(query({ windows: [maintenance] }))).toEqual({ ok: true });
    const late = new Date('2026-12-06T00:30:00Z');
    expect(clearChange(query({ windows: [maintenance], now: late }))).toMatchObject({ ok: false, code: 'OUTSIDE_WINDOW', reason: expect.stringContaining('web-1 is outside every maintenance window') });
    expect(clearChange(query({ windows: [maintenance], now: late, change: change({ type: 'emergency', approvalPolicy: { name: 'emergency', requirements: [{ group: 'cab', count: 1 }] } }) }))).toEqual({ ok: true });
  });

  it('before a batch asks only that the change is still being implemented, then the same calendar questions', () => {
    const underWay = change({ state: 'implement', deployer: 'eve' });
    expect(clearChange(query({ phase: 'batch', change: underWay }))).toEqual({ ok: true });
    // The deployer's own approval does not matter any more: it was checked at the start.
    expect(clearChange(query({ phase: 'batch', change: underWay, deployer: 'bob' }))).toEqual({ ok: true });
    expect(clearChange(query({ phase: 'batch', change: change({ state: 'review' }) }))).toMatchObject({ ok: false, code: 'CHANGE_NOT_AUTHORISED' });
    expect(clearChange(query({ phase: 'batch', change: underWay, windows: [freeze('2026-12-05T22:30:00Z', '2026-12-05T23:30:00Z')] }))).toMatchObject({ code: 'FREEZE_ACTIVE' });
  });
});
