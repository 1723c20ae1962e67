import { useState, type MouseEvent } from 'react';
import { api } from '../../api/client.js';
import { messageOf } from '../../api/errors.js';
import { downloadText } from '../../components/download-text.js';

/** Downloads the whole log as NDJSON (one record a line, oldest first). */
export function AuditExport() {
  const [state, setState] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });
  const download = async (event: MouseEvent) => {
    event.preventDefault();
    if (state.busy) return;
    setState({ busy: true, error: null });
    try {
      const text = await api.exportAudit();
      downloadText(text, 'application/x-ndjson', `gantry-audit-${new Date().toISOString().slice(0, 10)}.ndjson`);
      setState({ busy: false, error: null });
    } catch (cause) {
      setState({ busy: false, error: messageOf(cause) });
    }
  };
  return (
    <div className="audit-export">
      <a href="#export" className="button" aria-busy={state.busy} onClick={(event) => void download(event)}>
        Export (NDJSON)
      </a>
      <span role="status" className="muted small">
        {state.busy ? 'Preparing the export…' : ''}
      </span>
      {state.error && (
        <p role="alert" className="error">
          Could not export: {state.error}
        </p>
      )}
    </div>
  );
}
