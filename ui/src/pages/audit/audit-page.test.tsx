// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuditListQuery, AuditRecordDto } from '../../../../src/client/api-client.js';
import { AuditPage } from './audit-page.js';

const listAudit = vi.hoisted(() => vi.fn<(query: AuditListQuery) => Promise<AuditRecordDto[]>>());
vi.mock('../../api/client.js', () => ({ api: { listAudit, verifyAudit: vi.fn(), exportAudit: vi.fn() } }));
vi.mock('../../api/session.js', () => ({ useCan: () => () => true }));

afterEach(cleanup);

/** A log of `count` records, one a minute from 10:00 UTC; `bob` wrote every tenth. */
function serveLog(count: number) {
  const records: AuditRecordDto[] = Array.from({ length: count }, (_, index) => ({
    seq: index + 1,
    at: new Date(Date.UTC(2026, 10, 27, 10, index)).toISOString(),
    actor: (index + 1) % 10 === 0 ? 'bob' : 'alice',
    action: 'POST /api/v1/deployments',
    resource: '/api/v1/deployments',
    address: null,
    outcome: 'status 201',
    details: {},
    prevHash: '',
    hash: '',
  }));
  // What the server does with the query (enough of it to page through).
  listAudit.mockImplementation(async (query) => {
    const found = records.filter((record) => record.seq > (query.after ?? 0) && record.seq < (query.before ?? Infinity) && (query.actor === undefined || record.actor === query.actor));
    if (query.order === 'desc') found.reverse();
    return found.slice(0, query.limit ?? 100);
  });
}

function renderPage(url = '/audit') {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[url]}>
        <AuditPage />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

/** Waits for a text (a page of 100 rows renders slowly in jsdom on a busy machine). */
const shows = (text: string | RegExp) => screen.findByText(text, {}, { timeout: 5000 });
const lastQuery = () => listAudit.mock.calls.at(-1)![0];
/** The seqs in the table, top to bottom. */
const shownSeqs = () =>
  within(screen.getByRole('table'))
    .getAllByRole('rowheader')
    .map((cell) => Number(cell.textContent));
const paging = () => within(screen.getByRole('navigation', { name: 'Audit pages' }));

beforeEach(() => {
  listAudit.mockReset();
});

describe('the audit page', { timeout: 30_000 }, () => {
  it('shows the newest page first, then pages Older with before and Newer with after', async () => {
    serveLog(250);
    renderPage();
    await shows('100 records, seq 151–250.');
    expect(listAudit).toHaveBeenCalledTimes(1);
    expect(lastQuery()).toEqual({ order: 'desc', limit: 101, actor: undefined, action: undefined, from: undefined, until: undefined });
    expect(shownSeqs().slice(0, 2)).toEqual([250, 249]);
    expect(paging().queryByRole('link', { name: 'Newer' })).toBeNull();

    fireEvent.click(paging().getByRole('link', { name: 'Older' }));
    await shows('100 records, seq 51–150.');
    expect(lastQuery()).toMatchObject({ before: 151, order: 'desc', limit: 101 });

    fireEvent.click(paging().getByRole('link', { name: 'Older' }));
    await shows('50 records, seq 1–50.');
    expect(lastQuery()).toMatchObject({ before: 51, order: 'desc' });
    expect(paging().queryByRole('link', { name: 'Older' })).toBeNull();

    // Newer reads forwards from the largest seq shown, and shows the page newest first.
    fireEvent.click(paging().getByRole('link', { name: 'Newer' }));
    await shows('100 records, seq 51–150.');
    expect(lastQuery()).toMatchObject({ after: 50, order: 'asc', limit: 101 });
    expect(lastQuery()).not.toHaveProperty('before');
    expect(shownSeqs().slice(0, 2)).toEqual([150, 149]);

    fireEvent.click(paging().getByRole('link', { name: 'Newer' }));
    await shows('100 records, seq 151–250.');
    expect(lastQuery()).toMatchObject({ after: 150, order: 'asc' });
    expect(paging().queryByRole('link', { name: 'Newer' })).toBeNull();
    expect(paging().getByRole('link', { name: 'Older' })).toBeTruthy();
  });

  it('passes the filters to the server, times as instants, and starts again from the newest', async () => {
    serveLog(250);
    renderPage('/audit?before=120');
    await shows('100 records, seq 20–119.');
    fireEvent.change(screen.getByLabelText('Actor'), { target: { value: ' bob ' } });
    fireEvent.change(screen.getByLabelText('Action'), { target: { value: 'POST /api/v1/deployments' } });
    fireEvent.change(screen.getByLabelText('From'), { target: { value: '2026-11-27T11:00' } });
    fireEvent.change(screen.getByLabelText('Until'), { target: { value: '2026-11-27T12:30' } });
    fireEvent.click(screen.getByRole('button', { name: 'Apply filters' }));
    await shows(/matching the filters/);
    expect(lastQuery()).toEqual({
      actor: 'bob',
      action: 'POST /api/v1/deployments',
      from: new Date('2026-11-27T11:00').toISOString(),
      until: new Date('2026-11-27T12:30').toISOString(),
      order: 'desc',
      limit: 101,
    });
    // The mock filters by actor only: bob's 25 records, newest first, and nothing older.
    expect(shownSeqs().slice(0, 3)).toEqual([250, 240, 230]);
    expect(paging().queryByRole('link', { name: 'Older' })).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Clear' }));
    await shows('100 records, seq 151–250.');
    expect(lastQuery()).toEqual({ order: 'desc', limit: 101, actor: undefined, action: undefined, from: undefined, until: undefined });
    expect((screen.getByLabelText('Actor') as HTMLInputElement).value).toBe('');
  });

  it('keeps the filters when paging, and reads them from a shared link', async () => {
    serveLog(3000);
    renderPage('/audit?actor=bob');
    await shows('100 records matching the filters, seq 2010–3000.');
    expect(lastQuery()).toMatchObject({ actor: 'bob', order: 'desc' });
    expect((screen.getByLabelText('Actor') as HTMLInputElement).value).toBe('bob');
    fireEvent.click(paging().getByRole('link', { name: 'Older' }));
    await shows('100 records matching the filters, seq 1010–2000.');
    expect(lastQuery()).toMatchObject({ actor: 'bob', before: 2010, order: 'desc' });
  });

  it('says when the log is empty, and when nothing matches', async () => {
    serveLog(0);
    renderPage();
    await shows('The audit log is empty.');
    cleanup();
    serveLog(5);
    renderPage('/audit?actor=nobody');
    await shows('No records match.');
    expect(screen.getByRole('button', { name: 'Verify the audit chain' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Export (NDJSON)' })).toBeTruthy();
  });
});
