import { useState } from 'react';
import type { CreatedTokenDto } from '../../../../src/client/api-client.js';

/** A freshly minted token, shown this once, to copy; "Done" forgets it. */
export function TokenShownOnce({ token, onDismiss }: { token: CreatedTokenDto; onDismiss: () => void }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(token.token);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <section className="token-once" aria-labelledby="token-once-heading">
      <h3 id="token-once-heading">New token for {token.user}</h3>
      <p className="token-once-warning">
        <strong>Copy it now: it will not be shown again.</strong> Gantry keeps only its hash.
      </p>
      <label>
        Token {token.label ? `“${token.label}”` : token.id}
        <input className="token-once-value" readOnly value={token.token} onFocus={(event) => event.target.select()} />
      </label>
      <div className="row-actions">
        <button type="button" className="button button-primary" onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" className="button" onClick={onDismiss}>
          Done
        </button>
        <span role="status" className="muted">
          {copied === 'yes' ? 'Copied.' : copied === 'failed' ? 'Could not copy: select the token and copy it yourself.' : ''}
        </span>
      </div>
    </section>
  );
}
