import { useEffect, useRef, useState } from 'react';
import type { UserDto } from '../../../../src/client/api-client.js';
import { api } from '../../api/client.js';
import { ActionDialog } from '../../components/action-dialog.js';
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
  const [rows, setRows] = useState(() => rowsFromBindings(user.bindings));
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const save = async () => {
    const reading = readBindings(rows);
    if (!reading.ok) throw new Error(reading.problem);
    await api.updateUser(user.name, { bindings: reading.bindings });
    await refresh();
  };
  return (
    <ActionDialog dialog={dialog} title={`Edit bindings of ${user.name}`} actionLabel="Save bindings" busyLabel="Saving…" tone="primary" onAction={save} onClose={onClose}>
      <p>These replace {user.name}'s own bindings; their teams' bindings stay.</p>
      <BindingsEditor legend={`Bindings of ${user.name}`} rows={rows} onChange={setRows} />
    </ActionDialog>
  );
}
