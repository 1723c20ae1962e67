import { useState } from 'react';
import type { UserDto } from '../../../../src/client/api-client.js';
import { api } from '../../api/client.js';
import { ConfirmButton } from '../../components/confirm-button.js';
import { EditBindingsButton } from './edit-bindings-dialog.js';
import { useRefreshPeople } from './settings-keys.js';

/** Disable or enable a user, set their password (each asks first), change their bindings. */
export function UserActions({ user }: { user: UserDto }) {
  const refresh = useRefreshPeople();
  const disabled = user.disabledAt !== null;
  return (
    <div className="row-actions">
      {disabled ? (
        <ConfirmButton
          label="Enable user"
          tone="primary"
          question={<p>{user.name} will be able to sign in and use their tokens again.</p>}
          onConfirm={async () => {
            await api.updateUser(user.name, { disabled: false });
            await refresh();
          }}
        />
      ) : (
        <ConfirmButton
          label="Disable user"
          tone="danger"
          question={<p>{user.name} will be refused from their next request on, with every token of theirs.</p>}
          onConfirm={async () => {
            await api.updateUser(user.name, { disabled: true });
            await refresh();
          }}
        />
      )}
      {user.kind === 'person' && <SetPassword user={user} />}
      <EditBindingsButton user={user} />
    </div>
  );
}

function SetPassword({ user }: { user: UserDto }) {
  const refresh = useRefreshPeople();
  const [password, setPassword] = useState('');
  return (
    <ConfirmButton
      label="Set password"
      question={
        <>
          <p>Sets {user.name}'s password; their sign-ins with the old one end.</p>
          <label>
            New password for {user.name}
            <input type="password" autoComplete="new-password" value={password} onChange={(event) => setPassword(event.target.value)} />
          </label>
          <p className="muted small">12 to 1024 characters, not containing the name.</p>
        </>
      }
      onConfirm={async () => {
        if (password === '') throw new Error('Type the new password.');
        await api.setUserPassword(user.name, password);
        setPassword('');
        await refresh();
      }}
    />
  );
}
