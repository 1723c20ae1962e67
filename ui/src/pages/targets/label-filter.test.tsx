// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TargetDto } from '../../../../src/client/api-client.js';
import { matchesTargetFilter, parseLabelFilter } from './target-filter.js';
import { TargetsPage } from './targets-page.js';

function target(name: string, labels: Record<string, string>, transport: TargetDto['transport'] = 'ssh'): TargetDto {
  return {
    name,
    transport,
    address: transport === 'agent' ? 'agent' : `deploy@${name}:22`,
    root: '/srv/gantry',
    labels,
    hostKeySha256: null,
    online: transport === 'agent' ? true : null,
    lastSeenAt: null,
    revoked: false,
    facts: null,
    factsReportedAt: null,
    createdAt: '2026-11-01T00:00:00Z',
  };
}

const TARGETS = [target('web-1', { env: 'prod', zone: 'a' }), target('web-2', { env: 'prod', zone: 'b' }, 'agent'), target('stage-1', { env: 'staging', zone: 'a' })];

vi.mock('../../api/client.js', () => ({ api: { listTargets: () => Promise.resolve(TARGETS) } }));

afterEach(cleanup);

function Search() {
  return <output data-testid="search">{useLocation().search}</output>;
}

function renderAt(url: string) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[url]}>
        <Routes>
          <Route
            path="/targets"
            element={
              <>
                <TargetsPage />
                <Search />
              </>
            }
          />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

const shownTargets = () => screen.getAllByRole('row').slice(1).map((row) => row.querySelector('th')?.textContent);

describe('the label filter', () => {
  it('reads key=value pairs, a bare key meaning the label is there', () => {
    expect(parseLabelFilter(' env=prod , zone ')).toEqual([
      ['env', 'prod'],
      ['zone', undefined],
    ]);
    expect(matchesTargetFilter(TARGETS[0]!, { label: 'env=prod,zone=a', name: '' })).toBe(true);
    expect(matchesTargetFilter(TARGETS[1]!, { label: 'env=prod,zone=a', name: '' })).toBe(false);
    expect(matchesTargetFilter(TARGETS[2]!, { label: 'zone', name: 'STAGE' })).toBe(true);
    expect(matchesTargetFilter(TARGETS[2]!, { label: 'region', name: '' })).toBe(false);
  });

  it('shows the targets whose labels match the URL label parameter', async () => {
    renderAt('/targets?label=env%3Dprod');
    expect((await screen.findAllByRole('row')).length).toBe(3);
    expect(shownTargets()).toEqual(['web-1', 'web-2']);
    expect((screen.getByLabelText('Label') as HTMLInputElement).value).toBe('env=prod');
    expect(screen.getByText('2 of 3 targets')).toBeTruthy();
    expect([...document.querySelectorAll('[data-online]')].map((badge) => badge.getAttribute('data-online'))).toEqual(['n/a', 'online']);
  });

  it('keeps the label typed in the URL, and narrows by name too', async () => {
    renderAt('/targets');
    await screen.findByText('3 targets');
    fireEvent.change(screen.getByLabelText('Label'), { target: { value: 'zone=a' } });
    expect(shownTargets()).toEqual(['web-1', 'stage-1']);
    expect(new URLSearchParams(screen.getByTestId('search').textContent ?? '').get('label')).toBe('zone=a');
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'web' } });
    expect(shownTargets()).toEqual(['web-1']);
    fireEvent.change(screen.getByLabelText('Label'), { target: { value: 'env=qa' } });
    expect(screen.getByText('No target matches these filters.')).toBeTruthy();
  });
});
