// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PolicyDto, PolicyFlipDto, PolicyResultRowDto, PolicyResultsDto } from '../../../../src/client/api-client.js';
import { PoliciesPage } from './policies-page.js';

const api = vi.hoisted(() => ({
  listPolicies: vi.fn<() => Promise<PolicyDto[]>>(),
  policyResults: vi.fn<() => Promise<PolicyResultsDto>>(),
  policyHistory: vi.fn<(name: string) => Promise<PolicyFlipDto[]>>(),
}));
vi.mock('../../api/client.js', () => ({ api }));

afterEach(cleanup);

const counts = (pass: number, fail: number, unknown: number) => {
  const total = pass + fail + unknown;
  const percent = (count: number) => (total === 0 ? null : Math.round((count * 1000) / total) / 10);
  return { total, pass, fail, unknown, passPercent: percent(pass), failPercent: percent(fail), unknownPercent: percent(unknown) };
};

const POLICY: PolicyDto = {
  name: 'baseline',
  description: 'What every server must have',
  resolution: 'Run the baseline playbook',
  targets: { role: 'web' },
  rules: [
    { kind: 'package', name: 'openssl', present: true, minVersion: '3.0.15-1' },
    { kind: 'diskFree', mount: '/', minPercent: 10 },
  ],
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
};

const row = (target: string, state: PolicyResultRowDto['state'], reasons: string[] = []): PolicyResultRowDto => ({
  target,
  environments: ['production'],
  policy: 'baseline',
  state,
  reasons,
  resolution: POLICY.resolution,
  since: '2026-11-27T09:00:00.000Z',
  evaluatedAt: '2026-11-27T10:00:00.000Z',
});

const RESULTS: PolicyResultsDto = {
  generatedAt: '2026-11-27T10:00:00.000Z',
  results: [
    row('web-1', 'fail', ['openssl 3.0.11-1 is older than 3.0.15-1', '/ has 4% free, below 10%']),
    row('web-2', 'pass'),
    row('web-3', 'unknown', ['no facts in the last 7 days']),
    row('db-1', 'not_applicable'),
  ],
  environments: [{ environment: 'production', overall: counts(1, 1, 1), policies: [{ policy: 'baseline', ...counts(1, 1, 1) }] }],
};

function renderPage() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={['/policies']}>
        <PoliciesPage />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

beforeEach(() => {
  api.listPolicies.mockReset().mockResolvedValue([POLICY]);
  api.policyResults.mockReset().mockResolvedValue(RESULTS);
  api.policyHistory.mockReset().mockResolvedValue([
    { seq: 2, target: 'web-1', from: 'pass', to: 'fail', reasons: ['/ has 4% free, below 10%'], at: '2026-11-27T09:00:00.000Z' },
    { seq: 1, target: 'web-1', from: null, to: 'pass', reasons: [], at: '2026-11-01T00:00:00.000Z' },
  ]);
});

describe('the compliance policies page', () => {
  it('counts unknown as its own bucket, never as passing', async () => {
    renderPage();
    expect(screen.getByRole('heading', { level: 1, name: 'Compliance policies' })).toBeTruthy();
    const summary = await screen.findByRole('table', { name: 'Policy compliance by environment' });
    const production = within(summary).getByRole('rowheader', { name: 'production' }).closest('tr')!;
    const overall = production.querySelectorAll('td')[0]!;
    expect(overall.querySelector('[data-bucket="pass"]')!.textContent).toBe('✓ 33.3% passing (1)');
    expect(overall.querySelector('[data-bucket="fail"]')!.textContent).toBe('✕ 33.3% failing (1)');
    expect(overall.querySelector('[data-bucket="unknown"]')!.textContent).toBe('? 33.3% unknown (1)');
  });

  it('describes each policy and lists its failing targets with a line per reason, then the unknown ones', async () => {
    renderPage();
    const card = (await screen.findByRole('heading', { level: 3, name: 'baseline' })).closest('article')!;
    expect(card.textContent).toContain('What every server must have');
    expect(card.textContent).toContain('Package openssl must be installed, version 3.0.15-1 or later');
    expect(card.textContent).toContain('Disk / must have at least 10% free');
    expect(card.textContent).toContain('Run the baseline playbook');
    expect(card.textContent).toContain('1 failing, 1 unknown, 1 passing');

    const targets = within(card).getByRole('table', { name: 'Targets failing or unknown against baseline' });
    expect(within(targets).getAllByRole('rowheader').map((cell) => cell.textContent)).toEqual(['web-1', 'web-3']);
    const failing = within(targets).getByRole('rowheader', { name: 'web-1' }).closest('tr')!;
    expect(failing.textContent).toContain('failing');
    expect(within(failing).getAllByRole('listitem').map((item) => item.textContent)).toEqual(['openssl 3.0.11-1 is older than 3.0.15-1', '/ has 4% free, below 10%']);
    const unknown = within(targets).getByRole('rowheader', { name: 'web-3' }).closest('tr')!;
    expect(unknown.textContent).toContain('unknown');
    expect(unknown.textContent).not.toContain('passing');
    expect(unknown.textContent).toContain('no facts in the last 7 days');
  });

  it('reads a policy’s history only when it is opened, newest first', async () => {
    renderPage();
    const card = (await screen.findByRole('heading', { level: 3, name: 'baseline' })).closest('article')!;
    const details = card.querySelector('details')!;
    expect(within(card).getByText('History of baseline')).toBeTruthy();
    expect(api.policyHistory).not.toHaveBeenCalled();
    details.open = true;
    fireEvent(details, new Event('toggle'));
    const flips = await within(card).findByRole('table', { name: 'Changes of state against baseline, newest first' });
    expect(api.policyHistory).toHaveBeenCalledWith('baseline');
    const rows = within(flips).getAllByRole('row').slice(1);
    expect(rows[0]!.textContent).toContain('✓ passing → to ✕ failing');
    expect(rows[0]!.textContent).toContain('/ has 4% free, below 10%');
    expect(rows[1]!.textContent).toContain('first evaluation');
  });

  it('refreshes on request', async () => {
    renderPage();
    await screen.findByRole('table', { name: 'Policy compliance by environment' });
    fireEvent.click(screen.getByRole('button', { name: 'Refresh' }));
    await vi.waitFor(() => expect(api.policyResults).toHaveBeenCalledTimes(2));
    expect(api.listPolicies).toHaveBeenCalledTimes(2);
  });
});
