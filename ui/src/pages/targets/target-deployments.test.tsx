// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApplicationDto, DeploymentDto } from '../../../../src/client/api-client.js';
import { deploymentsTouching } from './target-deployments.js';
import { TargetFacts } from './target-facts.js';

afterEach(cleanup);

const application: ApplicationDto = {
  name: 'web',
  environments: [
    { name: 'staging', targets: { role: 'web', env: 'staging' }, protected: false },
    { name: 'production', targets: { role: 'web', env: 'prod' }, protected: true },
  ],
  lifecycle: ['staging', 'production'],
  strategy: 'rolling',
  manifest: '',
  createdAt: '2026-11-01T00:00:00Z',
  updatedAt: '2026-11-01T00:00:00Z',
};
const deployment = (id: string, app: string, environment: string) => ({ id, app, environment }) as DeploymentDto;

describe('a target page', () => {
  it('lists the deployments whose environment selects the target by every label of its selector', () => {
    const deployments = [deployment('d-1', 'web', 'staging'), deployment('d-2', 'web', 'production'), deployment('d-3', 'api', 'staging')];
    expect(deploymentsTouching({ labels: { role: 'web', env: 'prod', zone: 'a' } }, deployments, [application]).map((found) => found.id)).toEqual(['d-2']);
    expect(deploymentsTouching({ labels: { env: 'prod' } }, deployments, [application])).toEqual([]);
  });

  it('shows every fact the agent reported', () => {
    render(
      <TargetFacts
        reportedAt={null}
        facts={{
          hostname: 'web-1',
          os: { name: 'Debian', version: '12' },
          kernel: '6.1.0-26-amd64',
          architecture: 'x86_64',
          cpus: 4,
          memoryBytes: 8 * 1024 ** 3,
          disks: [{ mount: '/', sizeBytes: 100 * 1024 ** 3, freeBytes: 40 * 1024 ** 3 }],
          addresses: ['10.0.0.5'],
          packages: [{ name: 'openssl', version: '3.0.15' }],
          agentVersion: '0.9.0',
          uptimeSeconds: 273_600,
        }}
      />,
    );
    expect(screen.getByText('Debian 12')).toBeTruthy();
    expect(screen.getByText('8 GiB')).toBeTruthy();
    expect(screen.getByText(/40 GiB free of 100 GiB/)).toBeTruthy();
    expect(screen.getByText('1 package')).toBeTruthy();
    expect(screen.getByText('3 d 4 h')).toBeTruthy();
  });
});
