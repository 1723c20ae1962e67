import { useEffect, useId, useRef, useState } from 'react';
import type { UserDto } from '../../../../src/client/api-client.js';
import { api } from '../../api/client.js';
import { messageOf } from '../../api/errors.js';
import { readBindings, rowsFromBindings } from './binding-rows.js';
import { BindingsEditor } from './bindings-editor.js';
import { useRefreshPeople } from './settings-keys.js';

/**
 * "Edit bindings": a modal dialog with the user's bindings in the editor, saved on "Save bindings".
 * Its content exists only while it is open, so the page holds one set of "Role 1" fields at a time.
 */
export function EditBindingsButton({ user }: { user: UserDto }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="button" onClick={() => setOpen(true)}>
        Edit bindings
      </button>
      {open && <EditBindingsDialog user={user} onClose={() => setOpen(false)} />}
    </>
  );
}

function EditBindingsDialog({ user, onClose }: { user: UserDto; onClose: () => void }) {
  const refresh = useRefreshPeople();
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [rows, setRows] = useState(() => rowsFromBindings(user.bindings));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const save = async () => {
    const reading = readBindings(rows);
    if (!reading.ok) {
      setError(reading.problem);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.updateUser(user.name, { bindings: reading.bindings });
      await refresh();
      dialog.current?.close();
    } catch (cause) {
      setError(messageOf(cause));
    } finally {
      setBusy(false);
    }
  };
  return (
    <dialog ref={dialog} aria-labelledby={titleId} className="confirm" onClose={onClose}>
      <h2 id={titleId}>Edit bindings of {user.name}</h2>
      <p>These replace {user.name}'s own bindings; their teams' bindings stay.</p>
      <BindingsEditor legend={`Bindings of ${user.name}`} rows={rows} onChange={setRows} />
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className="confirm-actions">
        <button type="button" className="button" onClick={() => dialog.current?.close()} disabled={busy}>
          Cancel
        </button>
        <button type="button" className="button button-primary" onClick={() => void save()} disabled={busy}>
          {busy ? 'Saving…' : 'Save bindings'}
        </button>
      </div>
    </dialog>
  );
}
