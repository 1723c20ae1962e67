// @vitest-environment jsdom
import { cleanup } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangeDto } from '../../../../src/client/api-client.js';
import { awaitingApproval } from './approval-inbox.js';

afterEach(cleanup);

function change(id: string, overrides: Partial<ChangeDto> = {}): ChangeDto {
  return {
    id,
    type: 'normal',
    state: 'authorize',
    title: `change ${id}`,
    requester: 'rita',
    deployer: null,
    app: 'shop',
    version: '1.4.0',
    environment: 'production',
    releaseDigest: 'sha256:aa',
    planVersion: 2,
    plan: { goals: [], autoStart: true, owners: [], risks: [], stakeholders: [], communications: [], checklist: [] },
    computed: { targets: [], strategy: 'rolling', rollback: { previousVersion: null, how: '' }, tests: { healthChecks: [], analyses: [] } },
    risk: null,
    approvalPolicy: { name: 'production', requirements: [{ group: 'ops', count: 2 }] },
    approvals: [],
    approvalStatus: null,
    deploymentId: null,
    evidence: null,
    review: null,
    createdAt: '2026-11-20T10:00:00.000Z',
    updatedAt: '2026-11-20T10:00:00.000Z',
    ...overrides,
  };
}

const approval = (by: string, planVersion: number, releaseDigest = 'sha256:aa') => ({ by, groups: ['ops'], at: '2026-11-21T10:00:00.000Z', releaseDigest, planVersion, decision: 'approve' as const });

/** Anna may approve shop in every environment, and nothing else. */
const annaCan = (_permission: 'approve', resource: { app: string; environment: string }) => resource.app === 'shop';
const ids = (changes: ChangeDto[]) => changes.map((found) => found.id);

describe('awaitingApproval', () => {
  it('lists changes asking for approval that this user may approve', () => {
    const changes = [change('C-1'), change('C-2', { state: 'scheduled' }), change('C-3', { state: 'assess' }), change('C-4', { app: 'billing' })];
    expect(ids(awaitingApproval(changes, 'anna', annaCan))).toEqual(['C-1']);
  });

  it('leaves out the user’s own changes (separation of duties)', () => {
    expect(ids(awaitingApproval([change('C-1', { requester: 'anna' })], 'anna', annaCan))).toEqual([]);
  });

  it('leaves out changes the user has approved, but not those with an approval for an earlier plan or another release', () => {
    const changes = [
      change('C-1', { approvals: [approval('anna', 2)] }),
      change('C-2', { approvals: [approval('anna', 1)] }),
      change('C-3', { approvals: [approval('anna', 2, 'sha256:bb')] }),
      change('C-4', { approvals: [approval('otto', 2)] }),
    ];
    expect(ids(awaitingApproval(changes, 'anna', annaCan))).toEqual(['C-2', 'C-3', 'C-4']);
  });

  it('puts the soonest planned window first and unplanned changes last', () => {
    const changes = [
      change('C-1'),
      change('C-2', { plan: { ...change('x').plan, window: { start: '2026-12-05T22:00:00Z', end: '2026-12-06T01:00:00Z' } } }),
      change('C-3', { plan: { ...change('x').plan, window: { start: '2026-12-01T22:00:00Z', end: '2026-12-02T01:00:00Z' } } }),
    ];
    expect(ids(awaitingApproval(changes, 'anna', annaCan))).toEqual(['C-3', 'C-2', 'C-1']);
  });
});
