import { useState } from 'react';
import { api } from '../../api/client.js';
import { messageOf } from '../../api/errors.js';
import { downloadText } from '../../components/download-text.js';

/** Downloads the manual CIs as CSV (what the import reads). */
export function CsvExport() {
  const [state, setState] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });
  const download = async () => {
    setState({ busy: true, error: null });
    try {
      const text = await api.exportCis();
      downloadText(text, 'text/csv', `gantry-cis-${new Date().toISOString().slice(0, 10)}.csv`);
      setState({ busy: false, error: null });
    } catch (cause) {
      setState({ busy: false, error: messageOf(cause) });
    }
  };
  return (
    <div className="inventory-transfer">
      <button type="button" className="button" aria-busy={state.busy} disabled={state.busy} onClick={() => void download()}>
        Export CSV
      </button>
      {state.error && (
        <p role="alert" className="error">
          Could not export: {state.error}
        </p>
      )}
    </div>
  );
}
