// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CiDetailDto, CiDto, ImpactDto, RelationshipDto, RelationshipInput } from '../../../../src/client/api-client.js';
import { CiPage } from './ci-page.js';

const api = vi.hoisted(() => ({
  getCi: vi.fn<(ref: string) => Promise<CiDetailDto>>(),
  listCis: vi.fn<() => Promise<CiDto[]>>(),
  impact: vi.fn<(ci: string, depth?: number) => Promise<ImpactDto>>(),
  relate: vi.fn<(relationship: RelationshipInput) => Promise<{ relationship: RelationshipDto; created: boolean }>>(),
}));
vi.mock('../../api/client.js', () => ({ api }));
vi.mock('../../api/session.js', () => ({ useCan: () => () => true }));

afterEach(cleanup);

const WEB_1: CiDto = {
  ref: 'target:web-1',
  kind: 'target',
  name: 'web-1',
  source: 'discovered',
  manual: null,
  target: { transport: 'ssh', labels: { env: 'prod' }, os: null, packageCount: null, lastSeenAt: null, factsReportedAt: null },
  applications: ['storefront'],
  environments: ['production'],
};
const RELATIONSHIPS: RelationshipDto[] = [
  { from: 'app:storefront', type: 'runs-on', to: 'target:web-1', source: 'discovered' },
  { from: 'target:web-1', type: 'connects-to', to: 'ci:orders-db', source: 'manual' },
];
const impactAt = (depth: number): ImpactDto => ({ ci: 'target:web-1', depth, applications: [], environments: [], targets: [], others: [], beyondDepth: 0, changes: [] });

beforeEach(() => {
  api.getCi.mockReset().mockResolvedValue({ ci: WEB_1, relationships: RELATIONSHIPS });
  api.listCis.mockReset().mockResolvedValue([WEB_1]);
  api.impact.mockReset().mockImplementation(async (_ci, depth = 3) => impactAt(depth));
  api.relate.mockReset().mockResolvedValue({ relationship: { from: 'target:web-1', type: 'depends-on', to: 'ci:dns', source: 'manual' }, created: true });
});

function renderPage(url: string) {
  return render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter initialEntries={[url]}>
        <Routes>
          <Route path="/inventory/:ref" element={<CiPage />} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe('a configuration item page', () => {
  it('reads the CI named in the address, with its relationships, removable only when recorded by people', async () => {
    renderPage('/inventory/target%3Aweb-1');
    const table = await screen.findByRole('table', { name: 'Relationships of target:web-1' });
    expect(api.getCi).toHaveBeenCalledWith('target:web-1');
    const discovered = within(table).getByRole('rowheader', { name: 'app:storefront' }).closest('tr')!;
    expect(discovered.textContent).toContain('discovered');
    expect(within(discovered).queryByRole('button', { name: 'Remove' })).toBeNull();
    const manual = within(table).getByRole('link', { name: 'ci:orders-db' }).closest('tr')!;
    expect(within(manual).getByRole('button', { name: 'Remove' })).toBeTruthy();
  });

  it('analyses impact to depth 3 unless another depth is chosen', async () => {
    renderPage('/inventory/target%3Aweb-1');
    expect(await screen.findByText('Nothing is affected within depth 3.')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Depth'), { target: { value: '5' } });
    expect(await screen.findByText('Nothing is affected within depth 5.')).toBeTruthy();
    expect(api.impact).toHaveBeenLastCalledWith('target:web-1', 5);
  });

  it('records a relationship from this CI to the other end typed', async () => {
    renderPage('/inventory/target%3Aweb-1');
    await screen.findByRole('table', { name: 'Relationships of target:web-1' });
    fireEvent.change(screen.getByLabelText('Type'), { target: { value: 'depends-on' } });
    fireEvent.change(screen.getByLabelText('Other end'), { target: { value: 'ci:dns' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add relationship' }));
    expect(await screen.findByText('Recorded: target:web-1 depends-on ci:dns.')).toBeTruthy();
    expect(api.relate).toHaveBeenCalledWith({ from: 'target:web-1', type: 'depends-on', to: 'ci:dns' });
  });
});
