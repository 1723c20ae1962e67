import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { CreateUserRequest } from '../../../../src/client/api-client.js';
import { api } from '../../api/client.js';
import { messageOf } from '../../api/errors.js';
import { newBindingRow, readBindings, type BindingRow } from './binding-rows.js';
import { BindingsEditor } from './bindings-editor.js';
import { useRefreshPeople } from './settings-keys.js';

/** Adds a person (with or without a password) or a service account. */
export function UserForm() {
  const refresh = useRefreshPeople();
  const [name, setName] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [service, setService] = useState(false);
  const [rows, setRows] = useState<BindingRow[]>([newBindingRow()]);
  const [problem, setProblem] = useState<string | null>(null);
  const add = useMutation({
    mutationFn: (request: CreateUserRequest) => api.createUser(request),
    onSuccess: async () => {
      setName('');
      setDisplayName('');
      setPassword('');
      setService(false);
      setRows([newBindingRow()]);
      await refresh();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const reading = readBindings(rows);
    setProblem(reading.ok ? null : reading.problem);
    if (!reading.ok) return;
    add.mutate({
      name: name.trim(),
      kind: service ? 'service' : 'person',
      displayName: displayName.trim() || undefined,
      password: service || password === '' ? undefined : password,
      bindings: reading.bindings,
    });
  };
  const error = problem ?? (add.isError ? messageOf(add.error) : null);
  return (
    <form className="settings-form" onSubmit={submit} aria-labelledby="add-user-heading">
      <h3 id="add-user-heading">Add a user</h3>
      <div className="settings-fields">
        <label>
          Name
          <input required value={name} autoComplete="off" onChange={(event) => setName(event.target.value)} />
        </label>
        <label>
          Display name
          <input value={displayName} autoComplete="off" onChange={(event) => setDisplayName(event.target.value)} />
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={service} onChange={(event) => setService(event.target.checked)} />
          Service account (for CI: no password, no sign-in)
        </label>
        {!service && (
          <label>
            Password (optional)
            <input type="password" autoComplete="new-password" value={password} onChange={(event) => setPassword(event.target.value)} />
          </label>
        )}
      </div>
      <BindingsEditor legend="Bindings" rows={rows} onChange={setRows} />
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {add.isSuccess && !error && <p role="status">Added {add.data.name}.</p>}
      <button type="submit" className="button button-primary" disabled={add.isPending}>
        {add.isPending ? 'Adding…' : 'Add user'}
      </button>
    </form>
  );
}
