import { useQueryClient } from '@tanstack/react-query';
import { useId, useState, type ChangeEvent } from 'react';
import type { CiImportResponseDto } from '../../../../src/client/api-client.js';
import { api } from '../../api/client.js';
import { messageOf } from '../../api/errors.js';
import { INVENTORY_KEY } from './inventory-queries.js';

type ImportState = { step: 'idle' } | { step: 'busy'; file: string } | { step: 'done'; file: string; result: CiImportResponseDto } | { step: 'failed'; file: string; error: string };

const names = (count: number) => `${count} CI${count === 1 ? '' : 's'}`;

/**
 * Sends a CSV file of manual CIs to the server (all or nothing). A refusal is shown as the server
 * wrote it: every problem on its own line as `FILE:line: column: what is wrong`.
 */
export function CsvImport() {
  const client = useQueryClient();
  const [state, setState] = useState<ImportState>({ step: 'idle' });
  const statusId = useId();
  const choose = async (event: ChangeEvent<HTMLInputElement>) => {
    const input = event.currentTarget;
    const file = input.files?.[0];
    if (!file) return;
    setState({ step: 'busy', file: file.name });
    try {
      const result = await api.importCis(file.name, await file.text());
      setState({ step: 'done', file: file.name, result });
      void client.invalidateQueries({ queryKey: INVENTORY_KEY });
    } catch (cause) {
      setState({ step: 'failed', file: file.name, error: messageOf(cause) });
    } finally {
      // The same file, corrected, can be chosen again.
      input.value = '';
    }
  };
  return (
    <div className="inventory-transfer inventory-import">
      <label className="button inventory-file">
        Import CSV
        <input type="file" accept=".csv,text/csv" aria-describedby={statusId} disabled={state.step === 'busy'} onChange={(event) => void choose(event)} />
      </label>
      <span id={statusId} role="status" className="muted small">
        {state.step === 'busy' && `Importing ${state.file}…`}
        {state.step === 'done' &&
          `Imported ${state.file}: ${names(state.result.created.length)} created, ${state.result.updated.length} updated, ${state.result.unchanged.length} unchanged.`}
      </span>
      {state.step === 'failed' && (
        <div role="alert" className="error inventory-import-error">
          <p>Nothing was imported from {state.file}:</p>
          <pre>{state.error}</pre>
        </div>
      )}
    </div>
  );
}
