import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { CreatedTokenDto, TokenDto } from '../../../../src/client/api-client.js';
import { api } from '../../api/client.js';
import { useCan } from '../../api/session.js';
import { ConfirmButton } from '../../components/confirm-button.js';
import { QueryView } from '../../components/query-view.js';
import { TimeAgo } from '../../components/time-ago.js';
import { describeBindings } from './access-words.js';
import { TOKENS_KEY, USERS_KEY } from './settings-keys.js';
import { TokenForm } from './token-form.js';
import { TokenShownOnce } from './token-shown-once.js';

/** API tokens: who they speak for, what they may do, until when; mint one (shown once) or revoke. */
export function TokensTab() {
  const can = useCan();
  const client = useQueryClient();
  const tokens = useQuery({ queryKey: TOKENS_KEY, queryFn: () => api.listTokens() });
  const users = useQuery({ queryKey: USERS_KEY, queryFn: () => api.listUsers(), enabled: can('users') });
  const [minted, setMinted] = useState<CreatedTokenDto | null>(null);
  const refresh = () => client.invalidateQueries({ queryKey: TOKENS_KEY });
  return (
    <section aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">Tokens</h2>
      {minted && <TokenShownOnce token={minted} onDismiss={() => setMinted(null)} />}
      <QueryView query={tokens} what="tokens">
        {(list) => (list.length === 0 ? <p className="empty">No tokens.</p> : <TokensTable tokens={list} onRevoked={refresh} />)}
      </QueryView>
      <TokenForm
        users={users.data ?? []}
        onMinted={(token) => {
          setMinted(token);
          void refresh();
        }}
      />
    </section>
  );
}

function TokensTable({ tokens, onRevoked }: { tokens: readonly TokenDto[]; onRevoked: () => Promise<void> }) {
  return (
    <div className="grid-scroll">
      <table className="list">
        <thead>
          <tr>
            <th scope="col">ID</th>
            <th scope="col">User</th>
            <th scope="col">Label</th>
            <th scope="col">May do</th>
            <th scope="col">Expires</th>
            <th scope="col">Last used</th>
            <th scope="col">Origin</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((token) => (
            <tr key={token.id}>
              <th scope="row">
                <code>{token.id}</code>
              </th>
              <td>{token.user}</td>
              <td>{token.label || <span className="muted">—</span>}</td>
              <td className="settings-words">
                {describeBindings(token.bindings)}
                {token.scope !== 'api' && <span className="muted"> ({token.scope} only)</span>}
              </td>
              <td>{token.expiresAt ? <TimeAgo at={token.expiresAt} /> : <span className="muted">never</span>}</td>
              <td>{token.lastUsedAt ? <TimeAgo at={token.lastUsedAt} /> : <span className="muted">never</span>}</td>
              <td>{token.origin === 'login' ? 'sign-in' : token.origin}</td>
              <td>
                {token.revokedAt ? (
                  <span className="badge badge-neutral">
                    <span aria-hidden="true">⊘</span> revoked <TimeAgo at={token.revokedAt} />
                  </span>
                ) : (
                  <ConfirmButton
                    label="Revoke token"
                    tone="danger"
                    question={
                      <p>
                        Revoke token <code>{token.id}</code>
                        {token.label && ` (“${token.label}”)`} of {token.user}? It is refused from its next request on.
                      </p>
                    }
                    onConfirm={async () => {
                      await api.revokeToken(token.id);
                      await onRevoked();
                    }}
                  />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
