import { useSession } from '../../api/session.js';
import { describeBinding, permissionsInWords } from './access-words.js';
import { PasswordForm } from './password-form.js';

/** The signed-in person: their password, and what they may do. */
export function AccountTab() {
  const session = useSession();
  return (
    <section aria-labelledby="account-heading">
      <h2 id="account-heading">Account</h2>
      <p>
        Signed in as <strong>{session.user}</strong>
        {session.groups.length > 0 && <> in {session.groups.join(', ')}</>}.
      </p>
      <PasswordForm />
      <h3>What you may do</h3>
      {session.access.length === 0 ? (
        <p className="muted">Nothing: you have no role bindings. Ask an administrator for access.</p>
      ) : (
        <ul className="access-list">
          {session.access.map((binding, index) => (
            <li key={index}>
              As <strong>{describeBinding(binding)}</strong>: {permissionsInWords(binding).join('; ') || 'nothing this interface knows of'}.
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
