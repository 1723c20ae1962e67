import { describe, expect, it } from 'vitest';
import { attributeIncident, type AttributableDeployment } from './incident.js';

const deployment = (id: string, finishedAt: string | null, more: Partial<AttributableDeployment> = {}): AttributableDeployment => ({
  id,
  app: 'shop',
  environment: 'production',
  kind: 'deploy',
  state: 'succeeded',
  finishedAt,
  ...more,
});

describe('incident attribution', () => {
  const deployments = [
    deployment('d1', '2026-11-01T10:00:00.000Z'),
    deployment('d2', '2026-11-02T10:00:00.000Z', { state: 'failed' }),
    deployment('d3', '2026-11-02T11:00:00.000Z', { kind: 'rollback' }),
    deployment('d4', '2026-11-02T12:00:00.000Z', { state: 'cancelled' }),
    deployment('d5', '2026-11-02T13:00:00.000Z', { environment: 'staging' }),
    deployment('d6', '2026-11-03T10:00:00.000Z'),
    deployment('d7', null, { state: 'running' }),
  ];

  it('picks the latest deployment (not a rollback, not cancelled) of the app to the environment finished before it opened', () => {
    const attributed = attributeIncident(deployments, { app: 'shop', environment: 'production', openedAt: '2026-11-02T14:00:00.000Z' });
    expect(attributed.deploymentId).toBe('d2');
    expect(attributed.attribution).toBe('latest');
    expect(attributed.note).toContain('(d2, failed at 2026-11-02T10:00:00.000Z)');
  });

  it('says so when there is none', () => {
    expect(attributeIncident(deployments, { app: 'shop', environment: 'production', openedAt: '2026-10-01T00:00:00.000Z' })).toEqual({
      deploymentId: null,
      attribution: 'none',
      note: 'no deployment of shop to production finished before the incident was opened',
    });
  });
});
