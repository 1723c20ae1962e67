// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AdvisoryDto, ComplianceDto, ExposureRowDto } from '../../../../src/client/api-client.js';
import { PatchPage } from './patch-page.js';

const api = vi.hoisted(() => ({
  patchCompliance: vi.fn<() => Promise<ComplianceDto>>(),
  listAdvisories: vi.fn<() => Promise<AdvisoryDto[]>>(),
  patchExposure: vi.fn<(query: { environment?: string | undefined; all?: boolean }) => Promise<ExposureRowDto[]>>(),
}));
vi.mock('../../api/client.js', () => ({ api }));

afterEach(cleanup);

const counts = (compliant: number, noncompliant: number, unknown: number) => {
  const total = compliant + noncompliant + unknown;
  const percent = (count: number) => (total === 0 ? null : Math.round((count * 1000) / total) / 10);
  return { total, compliant, noncompliant, unknown, compliantPercent: percent(compliant), noncompliantPercent: percent(noncompliant), unknownPercent: percent(unknown) };
};
const none = counts(0, 0, 0);

const REPORT: ComplianceDto = {
  generatedAt: '2026-11-27T10:00:00.000Z',
  sla: { critical: 7, high: 30, medium: 90, low: 180, unknown: null },
  environments: [
    { environment: 'production', severities: { critical: counts(6, 1, 3), high: counts(10, 0, 0), medium: none, low: none, unknown: none }, overall: counts(6, 1, 3) },
    { environment: 'staging', severities: { critical: counts(2, 0, 0), high: none, medium: none, low: none, unknown: none }, overall: counts(2, 0, 0) },
  ],
  // Not in order: the page lists the most overdue first.
  overdue: [
    { environment: 'production', target: 'web-2', advisory: 'DSA-2', severity: 'high', state: 'affected_no_fix', since: '2026-10-01T00:00:00.000Z', dueAt: '2026-10-31T00:00:00.000Z', daysOverdue: 27 },
    { environment: 'production', target: 'web-1', advisory: 'DSA-1', severity: 'critical', state: 'affected_fix_available', since: '2026-09-01T00:00:00.000Z', dueAt: '2026-09-08T00:00:00.000Z', daysOverdue: 80 },
  ],
};

const row = (target: string, advisory: string, state: ExposureRowDto['state'], fixedIn: string | null = '3.0.16-1'): ExposureRowDto => ({
  target,
  environments: ['production'],
  advisory,
  severity: 'critical',
  state,
  packages: state === 'unknown' ? [] : [{ name: 'openssl', installed: '3.0.11-1', fixedIn }],
  firstSeenAt: state.startsWith('affected') ? '2026-11-20T00:00:00.000Z' : null,
});
const EXPOSURE = [row('web-1', 'DSA-1', 'affected_fix_available'), row('web-2', 'DSA-2', 'affected_no_fix', null), row('web-3', 'DSA-1', 'fixed'), row('web-4', 'DSA-1', 'unknown')];

function renderPage(url = '/patch') {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[url]}>
        <PatchPage />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

const table = (name: string) => screen.findByRole('table', { name });
const rowHeaders = (element: HTMLElement) => within(element).getAllByRole('rowheader').map((cell) => cell.textContent);

beforeEach(() => {
  api.patchCompliance.mockReset().mockResolvedValue(REPORT);
  api.listAdvisories.mockReset().mockResolvedValue([]);
  api.patchExposure.mockReset().mockResolvedValue(EXPOSURE);
});

describe('the patch compliance page', () => {
  it('shows unknown as its own bucket, never folded into compliant, with the deadlines', async () => {
    renderPage();
    expect(screen.getByRole('heading', { level: 1, name: 'Patch compliance' })).toBeTruthy();
    const compliance = await table('Patch compliance by environment and severity');
    const headers = within(compliance).getAllByRole('columnheader').map((cell) => cell.textContent);
    // Only severities with targets get a column, each with its deadline.
    expect(headers).toEqual(['Environment', 'Criticaldeadline: 7 days', 'Highdeadline: 30 days', 'All severities']);
    const production = within(compliance).getByRole('rowheader', { name: 'production' }).closest('tr')!;
    const critical = production.querySelectorAll('td')[0]!;
    expect(critical.querySelector('[data-bucket="compliant"]')!.textContent).toBe('✓ 60% compliant (6)');
    expect(critical.querySelector('[data-bucket="noncompliant"]')!.textContent).toBe('✕ 10% non-compliant (1)');
    expect(critical.querySelector('[data-bucket="unknown"]')!.textContent).toBe('? 30% unknown (3)');
    expect(critical.textContent).toContain('of 10 targets');
    // A severity without targets in an environment says so instead of 0 %.
    const staging = within(compliance).getByRole('rowheader', { name: 'staging' }).closest('tr')!;
    expect(staging.querySelectorAll('td')[1]!.textContent).toContain('no targets');
    expect(screen.getByText(/Deadlines/).parentElement!.textContent).toContain('Unknown severity: no deadline');
  });

  it('lists the pairs past the deadline, most overdue first, with the state in words', async () => {
    renderPage();
    expect(screen.getByRole('heading', { level: 2, name: 'Past the deadline' })).toBeTruthy();
    const overdue = await table('Past the deadline, most overdue first');
    expect(rowHeaders(overdue)).toEqual(['web-1', 'web-2']);
    const first = within(overdue).getByRole('rowheader', { name: 'web-1' }).closest('tr')!;
    expect(within(first).getByRole('link', { name: 'web-1' }).getAttribute('href')).toBe('/targets/web-1');
    expect(first.textContent).toContain('DSA-1');
    expect(first.textContent).toContain('affected, fix available');
    expect(first.textContent).toContain('80 days');
    expect(within(overdue).getByRole('rowheader', { name: 'web-2' }).closest('tr')!.textContent).toContain('affected, no fix yet');
  });

  it('shows the affected pairs by default, and filters the exposure by state and environment', async () => {
    renderPage();
    let exposure = await table('Exposure: targets against advisories');
    expect(api.patchExposure).toHaveBeenLastCalledWith({ environment: undefined, all: false });
    expect(rowHeaders(exposure)).toEqual(['web-1', 'web-2']);
    expect(exposure.textContent).toContain('no fixed version yet');
    expect(screen.getByText('2 target × advisory pairs')).toBeTruthy();

    fireEvent.change(screen.getByLabelText('State'), { target: { value: 'unknown' } });
    exposure = await table('Exposure: targets against advisories');
    expect(rowHeaders(exposure)).toEqual(['web-4']);
    expect(exposure.textContent).toContain('unknown (no recent facts)');

    fireEvent.change(screen.getByLabelText('State'), { target: { value: 'fixed' } });
    expect(rowHeaders(await table('Exposure: targets against advisories'))).toEqual(['web-3']);

    // Pairs an advisory does not concern are only sent when asked for.
    fireEvent.change(screen.getByLabelText('State'), { target: { value: 'all' } });
    await screen.findByText('4 target × advisory pairs');
    expect(api.patchExposure).toHaveBeenLastCalledWith({ environment: undefined, all: true });

    await screen.findByRole('option', { name: 'staging' });
    fireEvent.change(screen.getByLabelText('Environment'), { target: { value: 'staging' } });
    await screen.findByText('4 target × advisory pairs');
    expect(api.patchExposure).toHaveBeenLastCalledWith({ environment: 'staging', all: true });
  });

  it('reads the filters from a shared link', async () => {
    renderPage('/patch?environment=production&state=affected_no_fix');
    expect(rowHeaders(await table('Exposure: targets against advisories'))).toEqual(['web-2']);
    expect(api.patchExposure).toHaveBeenLastCalledWith({ environment: 'production', all: false });
    expect((screen.getByLabelText('State') as HTMLSelectElement).value).toBe('affected_no_fix');
    expect((screen.getByLabelText('Environment') as HTMLSelectElement).value).toBe('production');
  });

  it('says how to import advisories when there are none, and lists them when there are', async () => {
    renderPage();
    await screen.findByText('gantry advisories import PATH');
    cleanup();
    api.listAdvisories.mockResolvedValue([
      { id: 'DSA-1', aliases: ['CVE-2026-0001'], summary: 'openssl: buffer overflow', severity: 'critical', cvssScore: 9.8, published: '2026-09-01T00:00:00Z', modified: '2026-09-02T00:00:00Z', packages: [{ ecosystem: 'Debian:12', name: 'openssl' }] },
    ]);
    renderPage();
    const advisories = await table('Imported advisories');
    const dsa = within(advisories).getByRole('rowheader', { name: /DSA-1/ }).closest('tr')!;
    expect(dsa.textContent).toContain('CVE-2026-0001');
    expect(dsa.textContent).toContain('9.8');
    expect(dsa.textContent).toContain('openssl (Debian:12)');
  });

  it('refreshes everything on request', async () => {
    renderPage();
    await table('Past the deadline, most overdue first');
    expect(api.patchCompliance).toHaveBeenCalledTimes(1);
    fireEvent.click(screen.getByRole('button', { name: 'Refresh' }));
    await vi.waitFor(() => expect(api.patchCompliance).toHaveBeenCalledTimes(2));
    expect(api.listAdvisories).toHaveBeenCalledTimes(2);
  });
});
