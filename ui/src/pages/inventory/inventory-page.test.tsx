// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CiDto } from '../../../../src/client/api-client.js';
import { InventoryPage } from './inventory-page.js';

const api = vi.hoisted(() => ({ listCis: vi.fn<(query: { kind?: string; class?: string; lifecycle?: string }) => Promise<CiDto[]>>() }));
const allowed = vi.hoisted(() => ({ targets: true }));
vi.mock('../../api/client.js', () => ({ api }));
vi.mock('../../api/session.js', () => ({ useCan: () => (permission: string) => permission !== 'targets' || allowed.targets }));

afterEach(cleanup);

const ORDERS_DB: CiDto = {
  ref: 'ci:orders-db',
  kind: 'ci',
  name: 'orders-db',
  source: 'manual',
  manual: {
    name: 'orders-db',
    class: 'database',
    owner: 'dba-team',
    lifecycle: 'maintenance',
    lifecycleDates: { in_use: '2026-01-10T09:00:00.000Z', maintenance: '2026-11-20T09:00:00.000Z' },
    serial: null,
    model: 'PostgreSQL 16',
    location: 'dc-1 rack 4',
    purchaseDate: null,
    warrantyUntil: null,
    costCentre: null,
    description: null,
    createdAt: '2026-01-10T09:00:00.000Z',
    updatedAt: '2026-11-20T09:00:00.000Z',
  },
  target: null,
  applications: [],
  environments: [],
};
const WEB_1: CiDto = { ...ORDERS_DB, ref: 'target:web-1', kind: 'target', name: 'web-1', source: 'discovered', manual: null, applications: ['storefront'], environments: ['production'] };

beforeEach(() => {
  allowed.targets = true;
  api.listCis.mockReset().mockResolvedValue([ORDERS_DB, WEB_1]);
});

function renderPage(url = '/inventory') {
  return render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter initialEntries={[url]}>
        <InventoryPage />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe('the inventory page', () => {
  it('lists the CIs, each linked to its page, with class, owner, lifecycle and where it is', async () => {
    renderPage();
    const table = await screen.findByRole('table', { name: 'Configuration items' });
    const db = within(table).getByRole('rowheader', { name: 'orders-db' }).closest('tr')!;
    expect(within(db).getByRole('link', { name: 'orders-db' }).getAttribute('href')).toBe('/inventory/ci%3Aorders-db');
    for (const words of ['configuration item', 'database', 'dba-team', 'in maintenance since', 'dc-1 rack 4', 'PostgreSQL 16']) expect(db.textContent).toContain(words);
    expect(within(table).getByRole('rowheader', { name: 'web-1' }).closest('tr')!.textContent).toContain('target (discovered)');
    expect(screen.getByRole('button', { name: 'Export CSV' })).toBeTruthy();
    expect(screen.getByLabelText('Import CSV')).toBeTruthy();
  });

  it('asks the server with the filters of the address, and keeps a new choice there', async () => {
    renderPage('/inventory?kind=ci&lifecycle=maintenance');
    await screen.findByRole('table', { name: 'Configuration items' });
    expect(api.listCis).toHaveBeenLastCalledWith({ kind: 'ci', class: undefined, lifecycle: 'maintenance' });
    expect((screen.getByLabelText('Kind') as HTMLSelectElement).value).toBe('ci');
    fireEvent.change(screen.getByLabelText('Class'), { target: { value: 'database' } });
    await vi.waitFor(() => expect(api.listCis).toHaveBeenLastCalledWith({ kind: 'ci', class: 'database', lifecycle: 'maintenance' }));
  });

  it('offers the import only to people who may manage the inventory', async () => {
    allowed.targets = false;
    renderPage();
    await screen.findByRole('table', { name: 'Configuration items' });
    expect(screen.queryByLabelText('Import CSV')).toBeNull();
    expect(screen.getByRole('button', { name: 'Export CSV' })).toBeTruthy();
  });
});
