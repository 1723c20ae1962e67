import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, useCsrfToken } from '../api/client.js';
import { messageOf } from '../api/errors.js';
import { useSessionReset } from '../api/session.js';

/** Sign in with a local password, or through single sign-on when the server has it. */
export function LoginPage() {
  const reset = useSessionReset();
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const answer = await api.login({ user, password, session: true });
      useCsrfToken(answer.csrfToken);
      await reset();
    } catch (cause) {
      setError(messageOf(cause));
    } finally {
      setBusy(false);
    }
  };
  const methods = useQuery({ queryKey: ['auth-methods'], queryFn: () => api.authMethods(), staleTime: Infinity });
  return (
    <main className="login" id="main">
      <form onSubmit={(event) => void submit(event)} aria-labelledby="login-title" noValidate>
        <h1 id="login-title">Sign in to Gantry</h1>
        <label htmlFor="login-user">User name</label>
        <input id="login-user" name="user" autoComplete="username" required value={user} onChange={(event) => setUser(event.target.value)} />
        <label htmlFor="login-password">Password</label>
        <input id="login-password" name="password" type="password" autoComplete="current-password" required value={password} onChange={(event) => setPassword(event.target.value)} />
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" className="button button-primary" disabled={busy || !user || !password}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {methods.data?.oidc && (
          <p>
            or <a href="/api/v1/auth/oidc/login">sign in with single sign-on</a>
          </p>
        )}
      </form>
    </main>
  );
}
