import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { TeamRequest } from '../../../../src/client/api-client.js';
import { api } from '../../api/client.js';
import { messageOf } from '../../api/errors.js';
import { newBindingRow, readBindings, type BindingRow } from './binding-rows.js';
import { BindingsEditor } from './bindings-editor.js';
import { namesFromText } from './names-text.js';
import { useRefreshPeople } from './settings-keys.js';

/** Adds a team with its bindings (and the identity provider's groups that make a person a member). */
export function TeamForm() {
  const refresh = useRefreshPeople();
  const [name, setName] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [ssoGroups, setSsoGroups] = useState('');
  const [rows, setRows] = useState<BindingRow[]>([newBindingRow()]);
  const [problem, setProblem] = useState<string | null>(null);
  const add = useMutation({
    mutationFn: ({ team, request }: { team: string; request: TeamRequest }) => api.createTeam(team, request),
    onSuccess: async () => {
      setName('');
      setDisplayName('');
      setSsoGroups('');
      setRows([newBindingRow()]);
      await refresh();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const reading = readBindings(rows);
    setProblem(reading.ok ? null : reading.problem);
    if (!reading.ok) return;
    add.mutate({ team: name.trim(), request: { displayName: displayName.trim() || undefined, ssoGroups: namesFromText(ssoGroups), bindings: reading.bindings } });
  };
  const error = problem ?? (add.isError ? messageOf(add.error) : null);
  return (
    <form className="settings-form" onSubmit={submit} aria-labelledby="add-team-heading">
      <h3 id="add-team-heading">Add a team</h3>
      <div className="settings-fields">
        <label>
          Team name
          <input required value={name} autoComplete="off" onChange={(event) => setName(event.target.value)} />
        </label>
        <label>
          Display name
          <input value={displayName} autoComplete="off" onChange={(event) => setDisplayName(event.target.value)} />
        </label>
        <label>
          Single sign-on groups (optional, comma-separated)
          <input value={ssoGroups} autoComplete="off" onChange={(event) => setSsoGroups(event.target.value)} />
        </label>
      </div>
      <BindingsEditor legend="Team bindings" rows={rows} onChange={setRows} />
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {add.isSuccess && !error && <p role="status">Added team {add.data.name}.</p>}
      <button type="submit" className="button button-primary" disabled={add.isPending}>
        {add.isPending ? 'Adding…' : 'Add team'}
      </button>
    </form>
  );
}
