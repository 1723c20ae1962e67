// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it } from 'vitest';
import type { DashboardCellDto, DashboardDto, DeploymentDto } from '../../../src/client/api-client.js';
import { DashboardPage, environmentColumns } from './dashboard-page.js';

afterEach(cleanup);

const deployment = (app: string, environment: string, state: DeploymentDto['state'], version = '2.0.0'): DeploymentDto => ({
  id: `d-${app}-${environment}`,
  app,
  environment,
  version,
  kind: 'deploy',
  state,
  reason: null,
  batches: null,
  allowedFailures: null,
  currentBatch: 0,
  gates: null,
  nextGate: 0,
  resumeAt: null,
  controlRequest: null,
  forced: false,
  changeId: null,
  patch: null,
  createdAt: '2026-11-27T10:00:00Z',
  startedAt: '2026-11-27T10:00:01Z',
  finishedAt: null,
});

const cell = (environment: string, rest: Partial<DashboardCellDto> = {}): DashboardCellDto => ({
  environment,
  protected: false,
  selector: { role: 'web' },
  liveVersion: '1.0.0',
  liveSince: '2026-11-27T09:00:00Z',
  latest: null,
  progress: null,
  targets: 2,
  offlineTargets: 0,
  health: 'healthy',
  ...rest,
});

const DASHBOARD: DashboardDto = {
  applications: [
    {
      app: 'shop',
      strategy: 'rolling',
      cells: [
        cell('staging', { latest: deployment('shop', 'staging', 'succeeded') }),
        cell('production', { latest: deployment('shop', 'production', 'running'), progress: { done: 1, total: 4 } }),
      ],
    },
    { app: 'cart', strategy: 'canary', cells: [cell('dev', { selector: { zone: 'b' } }), cell('staging', { latest: deployment('cart', 'staging', 'rolled_back'), health: 'degraded' })] },
  ],
};

function renderDashboard(url = '/') {
  const client = new QueryClient({ defaultOptions: { queries: { staleTime: Infinity, retry: false } } });
  client.setQueryData(['dashboard'], DASHBOARD);
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[url]}>
        <DashboardPage />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe('the dashboard', () => {
  it('orders environment columns as the lifecycles do, merging applications', () => {
    expect(environmentColumns(DASHBOARD.applications)).toEqual(['dev', 'staging', 'production']);
  });

  it('shows each application × environment with its live release, state, progress and health, linking to the deployment', () => {
    renderDashboard();
    const running = screen.getByTestId('cell-shop-production');
    expect(running.getAttribute('href')).toBe('/deployments/d-shop-production');
    expect(running.textContent).toContain('running');
    expect(screen.getByRole('progressbar', { name: /shop in production: 1 of 4 targets done/ })).toBeTruthy();
    expect(screen.getByTestId('cell-cart-staging').textContent).toMatch(/rolled back.*degraded/);
    // Never deployed: not a link, and says so.
    expect(screen.getByTestId('cell-cart-dev').tagName).toBe('DIV');
    expect(screen.getByTestId('cell-cart-dev').textContent).toContain('never deployed');
  });

  it('keeps room for the progress bar in every cell, so a deployment starting or ending moves nothing', () => {
    renderDashboard();
    for (const id of ['cell-shop-staging', 'cell-shop-production', 'cell-cart-dev']) expect(screen.getByTestId(id).querySelector('.cell-progress')).not.toBeNull();
  });

  it('filters by application, environment and target label', () => {
    renderDashboard('/?environment=staging');
    expect(screen.queryByTestId('cell-shop-production')).toBeNull();
    expect(screen.getByTestId('cell-cart-staging')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Application'), { target: { value: 'sho' } });
    expect(screen.queryByTestId('cell-cart-staging')).toBeNull();
    expect(screen.getByTestId('cell-shop-staging')).toBeTruthy();
    cleanup();
    renderDashboard('/?label=zone%3Db');
    expect(screen.getByTestId('cell-cart-dev')).toBeTruthy();
    expect(screen.queryByTestId('cell-shop-staging')).toBeNull();
  });
});
