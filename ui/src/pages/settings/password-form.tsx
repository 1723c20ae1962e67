import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../../api/client.js';
import { messageOf } from '../../api/errors.js';

/** The signed-in person changes their own password, proving the current one. */
export function PasswordForm() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const change = useMutation({
    mutationFn: () => api.changeOwnPassword(current, next),
    onSuccess: () => {
      setCurrent('');
      setNext('');
      setConfirm('');
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const mismatch = next !== confirm ? 'The new password and its confirmation differ.' : null;
    setProblem(mismatch);
    if (!mismatch) change.mutate();
  };
  const error = problem ?? (change.isError ? messageOf(change.error) : null);
  return (
    <form className="settings-form" onSubmit={submit} aria-labelledby="password-heading">
      <h3 id="password-heading">Change your password</h3>
      <div className="settings-fields">
        <label>
          Current password
          <input type="password" required autoComplete="current-password" value={current} onChange={(event) => setCurrent(event.target.value)} />
        </label>
        <label>
          New password
          <input type="password" required autoComplete="new-password" value={next} onChange={(event) => setNext(event.target.value)} />
        </label>
        <label>
          Confirm new password
          <input type="password" required autoComplete="new-password" value={confirm} onChange={(event) => setConfirm(event.target.value)} />
        </label>
      </div>
      <p className="muted small">12 to 1024 characters, not containing your name.</p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {change.isSuccess && !error && <p role="status">Password changed. Other sign-ins with the old password have ended.</p>}
      <button type="submit" className="button button-primary" disabled={change.isPending}>
        {change.isPending ? 'Changing…' : 'Change password'}
      </button>
    </form>
  );
}
