// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DeploymentDto, StatusDto } from '../../../../src/client/api-client.js';
import { DeployButtons } from './deploy-buttons.js';
import { environmentsInLifecycleOrder, lifecycleBlock, successesByVersion } from './lifecycle.js';

afterEach(cleanup);

const environments = [
  { name: 'production', targets: { env: 'prod' }, protected: true },
  { name: 'staging', targets: { env: 'staging' }, protected: false },
  { name: 'preview', targets: { env: 'preview' }, protected: false },
];
const lifecycle = ['staging', 'production'];

function button(name: string): HTMLButtonElement {
  return screen.getByRole('button', { name }) as HTMLButtonElement;
}

describe('the lifecycle rule', () => {
  it('orders environments as the lifecycle does, the others after it', () => {
    expect(environmentsInLifecycleOrder({ environments, lifecycle }).map((environment) => environment.name)).toEqual(['staging', 'production', 'preview']);
  });

  it('counts a succeeded deployment or a live release as success', () => {
    const deployment = (version: string, environment: string, state: DeploymentDto['state']) => ({ version, environment, state }) as DeploymentDto;
    const status: StatusDto = { app: 'shop', environments: [{ environment: 'staging', liveVersion: '1.0.0', liveSince: '2026-11-01T00:00:00Z', latest: null }] };
    const successes = successesByVersion([deployment('1.1.0', 'staging', 'succeeded'), deployment('1.2.0', 'staging', 'failed')], status);
    expect([...(successes.get('1.1.0') ?? [])]).toEqual(['staging']);
    expect([...(successes.get('1.0.0') ?? [])]).toEqual(['staging']);
    expect(successes.has('1.2.0')).toBe(false);
    expect(lifecycleBlock(lifecycle, 'production', new Set())).toBe('staging');
    expect(lifecycleBlock(lifecycle, 'staging', new Set())).toBeNull();
    expect(lifecycleBlock(lifecycle, 'preview', new Set())).toBeNull();
  });

  it('disables the deploy to an environment until the release succeeded in the one before, and says why', () => {
    render(<DeployButtons app="shop" version="1.2.0" environments={environmentsInLifecycleOrder({ environments, lifecycle })} lifecycle={lifecycle} succeededIn={new Set()} deploy={vi.fn()} />);
    expect(button('Deploy 1.2.0 to staging').disabled).toBe(false);
    expect(button('Deploy 1.2.0 to preview').disabled).toBe(false);
    expect(button('Deploy 1.2.0 to production').disabled).toBe(true);
    expect(screen.getByText('needs staging first')).toBeTruthy();
  });

  it('allows the next environment once the release succeeded before it, and says a protected one needs a change', () => {
    render(<DeployButtons app="shop" version="1.2.0" environments={environments} lifecycle={lifecycle} succeededIn={new Set(['staging'])} deploy={vi.fn()} />);
    expect(button('Deploy 1.2.0 to production').disabled).toBe(false);
    expect(screen.queryByText('needs staging first')).toBeNull();
    expect(screen.getByText('protected: needs a change')).toBeTruthy();
  });
});
