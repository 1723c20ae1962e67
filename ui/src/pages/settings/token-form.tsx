import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { CreatedTokenDto, CreateTokenRequest, UserDto } from '../../../../src/client/api-client.js';
import { api } from '../../api/client.js';
import { messageOf } from '../../api/errors.js';
import { newBindingRow, readBindings, type BindingRow } from './binding-rows.js';
import { BindingsEditor } from './bindings-editor.js';
import { namesFromText } from './names-text.js';

interface TokenFormProps {
  /** Known users (to choose from, and whose groups a token gets by default); empty when they may not be listed. */
  readonly users: readonly UserDto[];
  readonly onMinted: (token: CreatedTokenDto) => void;
}

/** Mints a token for a user: one role on applications × environments, for a lifetime. */
export function TokenForm({ users, onMinted }: TokenFormProps) {
  const [user, setUser] = useState('');
  const [groups, setGroups] = useState('');
  const [label, setLabel] = useState('');
  const [rows, setRows] = useState<BindingRow[]>([{ ...newBindingRow(), role: 'viewer' }]);
  const [expiresIn, setExpiresIn] = useState('90d');
  const [problem, setProblem] = useState<string | null>(null);
  const mint = useMutation({
    mutationFn: (request: CreateTokenRequest) => api.createToken(request),
    onSuccess: (token) => {
      setLabel('');
      onMinted(token);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const reading = readBindings(rows);
    const binding = reading.ok ? reading.bindings[0] : undefined;
    setProblem(reading.ok ? null : reading.problem);
    if (!binding) return;
    const name = user.trim();
    const typedGroups = namesFromText(groups);
    const known = users.find((candidate) => candidate.name === name);
    mint.mutate({
      user: name,
      groups: typedGroups.length > 0 ? typedGroups : (known?.groups ?? []),
      label: label.trim() || undefined,
      role: binding.role,
      apps: binding.apps,
      environments: binding.environments,
      expiresIn: expiresIn.trim() || undefined,
    });
  };
  const error = problem ?? (mint.isError ? messageOf(mint.error) : null);
  return (
    <form className="settings-form" onSubmit={submit} aria-labelledby="mint-token-heading">
      <h3 id="mint-token-heading">Mint a token</h3>
      <datalist id="token-user-candidates">
        {users.map((candidate) => (
          <option key={candidate.name} value={candidate.name} />
        ))}
      </datalist>
      <div className="settings-fields">
        <label>
          User
          <input required list="token-user-candidates" value={user} autoComplete="off" onChange={(event) => setUser(event.target.value)} />
        </label>
        <label>
          Groups (comma-separated; empty: the user's own)
          <input value={groups} autoComplete="off" onChange={(event) => setGroups(event.target.value)} />
        </label>
        <label>
          Label
          <input value={label} autoComplete="off" onChange={(event) => setLabel(event.target.value)} />
        </label>
        <label>
          Expires in (like 30d or 12h; at most 366d)
          <input required value={expiresIn} autoComplete="off" onChange={(event) => setExpiresIn(event.target.value)} />
        </label>
      </div>
      <BindingsEditor legend="What the token may do" rows={rows} onChange={setRows} single />
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <button type="submit" className="button button-primary" disabled={mint.isPending}>
        {mint.isPending ? 'Minting…' : 'Mint token'}
      </button>
    </form>
  );
}
