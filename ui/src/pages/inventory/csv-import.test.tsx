// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GantryError, type CiImportResponseDto } from '../../../../src/client/api-client.js';
import { CsvImport } from './csv-import.js';

const api = vi.hoisted(() => ({ importCis: vi.fn<(file: string, csv: string) => Promise<CiImportResponseDto>>() }));
vi.mock('../../api/client.js', () => ({ api }));

afterEach(cleanup);
beforeEach(() => {
  api.importCis.mockReset();
});

const CSV = 'name,class\norders-db,database\n';

/** A chosen file (jsdom's File has no `text()`, browsers' does). */
function choose(name: string, text: string) {
  const file = Object.assign(new File([text], name, { type: 'text/csv' }), { text: async () => text });
  fireEvent.change(screen.getByLabelText('Import CSV'), { target: { files: [file] } });
}

function renderImport() {
  render(
    <QueryClientProvider client={new QueryClient()}>
      <CsvImport />
    </QueryClientProvider>,
  );
}

describe('the CSV import', () => {
  it('sends the file text with its name and shows the server refusal verbatim, one problem a line', async () => {
    const problems = 'cis.csv:3: class: "databse" is not one of load-balancer, database, …\ncis.csv:4: warrantyUntil: "2027-13-01" is not a date (YYYY-MM-DD)';
    api.importCis.mockRejectedValue(new GantryError('CSV_INVALID', problems));
    renderImport();
    choose('cis.csv', CSV);
    const alert = await screen.findByRole('alert');
    expect(api.importCis).toHaveBeenCalledWith('cis.csv', CSV);
    expect(alert.textContent).toContain('Nothing was imported from cis.csv');
    expect(alert.querySelector('pre')!.textContent).toBe(problems);
  });

  it('says what the import created, updated and left alone', async () => {
    api.importCis.mockResolvedValue({ created: ['orders-db', 'lb-1'], updated: ['core-switch'], unchanged: [] });
    renderImport();
    choose('cis.csv', CSV);
    expect(await screen.findByText('Imported cis.csv: 2 CIs created, 1 updated, 0 unchanged.')).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
