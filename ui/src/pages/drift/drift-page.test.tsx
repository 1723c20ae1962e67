// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DriftRecordDto, DriftRemediationDto } from '../../../../src/client/api-client.js';
import { DriftPage } from './drift-page.js';

const api = vi.hoisted(() => ({
  listDrift: vi.fn<() => Promise<DriftRecordDto[]>>(),
  checkDrift: vi.fn<(scope: { environment?: string | undefined }) => Promise<DriftRecordDto[]>>(),
  remediateDrift: vi.fn<(scope: { environment?: string | undefined }) => Promise<DriftRemediationDto>>(),
}));
const allowed = vi.hoisted(() => ({ deploy: true }));
vi.mock('../../api/client.js', () => ({ api }));
vi.mock('../../api/session.js', () => ({ useCan: () => (permission: string) => permission !== 'deploy' || allowed.deploy }));

afterEach(cleanup);

// jsdom has no modal dialogs: open and close them as a browser would, minus the top layer.
beforeAll(() => {
  HTMLDialogElement.prototype.showModal = function showModal(this: HTMLDialogElement) {
    this.open = true;
  };
  HTMLDialogElement.prototype.close = function close(this: HTMLDialogElement) {
    this.open = false;
    this.dispatchEvent(new Event('close'));
  };
});

const record = (target: string, environment: string, state: DriftRecordDto['state'], more: Partial<DriftRecordDto> = {}): DriftRecordDto => ({
  target,
  app: 'storefront',
  environment,
  version: '1.4.0',
  state,
  changed: [],
  added: [],
  removed: [],
  packages: [],
  firstSeenAt: state === 'in_sync' ? null : '2026-11-27T09:00:00.000Z',
  checkedAt: '2026-11-27T10:00:00.000Z',
  unauthorised: false,
  explanation: null,
  reason: null,
  ...more,
});

const RECORDS = [
  record('web-1', 'production', 'drifted', {
    changed: ['config/app.yml'],
    added: ['tmp/hotfix.js'],
    removed: ['public/robots.txt'],
    unauthorised: true,
    explanation: 'no deployment or change explains it',
  }),
  record('web-2', 'production', 'in_sync'),
  record('web-3', 'production', 'drifted', { changed: ['config/app.yml'], explanation: 'explained by change C-12, being implemented when the drift was seen' }),
  record('stage-1', 'staging', 'unknown', { reason: 'error[TARGET_UNREACHABLE]: stage-1 did not answer' }),
];

beforeEach(() => {
  allowed.deploy = true;
  api.listDrift.mockReset().mockResolvedValue(RECORDS);
  api.checkDrift.mockReset().mockResolvedValue(RECORDS);
  api.remediateDrift.mockReset().mockResolvedValue({ deployments: [] });
});

function renderPage(url = '/drift') {
  return render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter initialEntries={[url]}>
        <DriftPage />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

const row = (table: HTMLElement, target: string) => within(table).getByRole('rowheader', { name: target }).closest('tr')!;

describe('the drift page', () => {
  it('lists the drifted targets per environment with their files, first seen and UNAUTHORISED in words', async () => {
    renderPage();
    const production = await screen.findByRole('table', { name: 'Drift in production' });
    // In-sync targets are counted, not listed.
    expect(within(production).queryByRole('rowheader', { name: 'web-2' })).toBeNull();
    const web1 = row(production, 'web-1');
    expect(web1.querySelector('[data-kind="changed"]')!.textContent).toBe('Changed (1)config/app.yml');
    expect(web1.querySelector('[data-kind="added"]')!.textContent).toBe('Added (1)tmp/hotfix.js');
    expect(web1.querySelector('[data-kind="removed"]')!.textContent).toBe('Removed (1)public/robots.txt');
    expect(within(web1).getByText('UNAUTHORISED')).toBeTruthy();
    expect(web1.querySelector('time[datetime="2026-11-27T09:00:00.000Z"]')).toBeTruthy();
    const web3 = row(production, 'web-3');
    expect(within(web3).queryByText('UNAUTHORISED')).toBeNull();
    expect(web3.textContent).toContain('explained by change C-12');
    expect(screen.getByText(/2 drifted/).textContent).toBe('2 drifted (1 unauthorised), 0 unknown, 1 in sync');

    const staging = screen.getByRole('table', { name: 'Drift in staging' });
    expect(row(staging, 'stage-1').textContent).toContain('error[TARGET_UNREACHABLE]: stage-1 did not answer');
  });

  it('narrows to one environment, checks it now, and remediates it after asking', async () => {
    renderPage();
    await screen.findByRole('table', { name: 'Drift in production' });
    fireEvent.change(screen.getByLabelText('Environment'), { target: { value: 'production' } });
    expect(screen.queryByRole('table', { name: 'Drift in staging' })).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Check now' }));
    await vi.waitFor(() => expect(api.checkDrift).toHaveBeenCalledWith({ environment: 'production' }));

    // One drifted environment shown: one Remediate (the closed dialog's own button is hidden).
    fireEvent.click(screen.getByRole('button', { name: 'Remediate' }));
    const dialog = screen.getByRole('dialog', { name: 'Remediate?' });
    expect(dialog.textContent).toContain('storefront is deployed again to production');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Remediate' }));
    await vi.waitFor(() => expect(api.remediateDrift).toHaveBeenCalledWith({ environment: 'production' }));
    expect(await screen.findByText(/no redeploy started/)).toBeTruthy();
  });

  it('offers neither Check now nor Remediate to people who may not deploy', async () => {
    allowed.deploy = false;
    renderPage();
    await screen.findByRole('table', { name: 'Drift in production' });
    expect(screen.queryByRole('button', { name: 'Check now' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Remediate', hidden: true })).toBeNull();
  });
});
