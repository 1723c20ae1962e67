import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/client.js';
import { messageOf } from '../../api/errors.js';
import { useCan } from '../../api/session.js';
import { DRIFT_KEY } from './drift-queries.js';

/** Checks the targets now (in the environment chosen, or everywhere the caller may deploy to): for people who may deploy. */
export function CheckNowButton({ environment }: { environment: string | undefined }) {
  const can = useCan();
  const client = useQueryClient();
  const [state, setState] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });
  if (!can('deploy', environment ? { environment } : {})) return null;
  const check = async () => {
    setState({ busy: true, error: null });
    try {
      await api.checkDrift({ environment });
      await client.invalidateQueries({ queryKey: DRIFT_KEY });
      setState({ busy: false, error: null });
    } catch (cause) {
      setState({ busy: false, error: messageOf(cause) });
    }
  };
  return (
    <div className="drift-check">
      <span role="status" className="muted small">
        {state.busy ? `Checking ${environment ?? 'every environment'}…` : ''}
      </span>
      <button type="button" className="button button-primary" aria-busy={state.busy} disabled={state.busy} onClick={() => void check()}>
        Check now
      </button>
      {state.error && (
        <p role="alert" className="error">
          Could not check: {state.error}
        </p>
      )}
    </div>
  );
}
