// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReleaseDto, ReleaseNotesDto } from '../../../../src/client/api-client.js';
import { ReleaseNotesSection } from './release-notes.js';

const api = vi.hoisted(() => ({ releaseNotes: vi.fn<(app: string, version: string, query?: { environment?: string }) => Promise<ReleaseNotesDto>>() }));
vi.mock('../../api/client.js', () => ({ api }));

afterEach(cleanup);

const sha = (letter: string) => letter.repeat(40);
const release = (version: string, createdAt: string): ReleaseDto => ({ app: 'shop', version, digest: 'sha256:00', sizeBytes: 1, commit: sha('f'), notes: null, createdAt });
const commit = (letter: string, subject: string, parents: string[] = [sha('0')]) => ({
  sha: sha(letter),
  parents,
  authorName: 'Zoë Dev',
  authorEmail: 'zoe@example.test',
  committedAt: '2026-11-27T09:00:00.000Z',
  subject,
});

function notes(environment: string | null): ReleaseNotesDto {
  return {
    app: 'shop',
    environment,
    from: { version: '1.0.0', commit: sha('a') },
    to: { version: '2.0.0', commit: sha('b') },
    commits: environment ? [commit('b', 'After the merge'), commit('c', "Merge branch 'feature'", [sha('d'), sha('e')]), commit('e', 'Say "hello" | ✓')] : [commit('b', 'After the merge')],
    releases: environment ? [{ version: '1.5.0', commit: sha('c'), createdAt: '2026-11-26T00:00:00.000Z' }] : [],
  };
}

beforeEach(() => {
  api.releaseNotes.mockReset();
  api.releaseNotes.mockImplementation(async (_app, _version, query) => notes(query?.environment ?? null));
});

function renderSection() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <ReleaseNotesSection app="shop" releases={[release('1.0.0', '2026-11-25T00:00:00Z'), release('2.0.0', '2026-11-27T00:00:00Z')]} environments={['staging', 'production']} />
    </QueryClientProvider>,
  );
}

describe('release notes on the releases page', () => {
  it('shows the newest release’s commits since the previous release, then since what is live in the chosen environment', async () => {
    renderSection();
    const table = await screen.findByRole('table', { name: 'Commits, newest first' });
    expect(api.releaseNotes).toHaveBeenCalledWith('shop', '2.0.0', { environment: undefined });
    expect(within(table).getAllByRole('row')).toHaveLength(2);
    expect(within(table).getByText('After the merge')).toBeTruthy();

    fireEvent.change(screen.getByLabelText(/Since/), { target: { value: 'staging' } });
    expect(await screen.findByText('Say "hello" | ✓')).toBeTruthy();
    expect(api.releaseNotes).toHaveBeenLastCalledWith('shop', '2.0.0', { environment: 'staging' });
    const rows = within(screen.getByRole('table', { name: 'Commits, newest first' })).getAllByRole('row').slice(1);
    expect(rows.map((row) => within(row).getAllByRole('cell')[1]?.textContent)).toEqual(['After the merge', "Merge branch 'feature'", 'Say "hello" | ✓']);
    expect(within(rows[1]!).getByText('merge')).toBeTruthy();
    expect(screen.getByText(/releases in between: 1.5.0/)).toBeTruthy();
    expect(screen.getByText(/\(a{12}\), live in staging/)).toBeTruthy();
  });

  it('says so when a release records no commit', async () => {
    api.releaseNotes.mockResolvedValue({ app: 'shop', environment: null, from: null, to: { version: '2.0.0', commit: null }, commits: [], releases: [] });
    renderSection();
    expect(await screen.findByText(/This release records no commit/)).toBeTruthy();
  });
});
