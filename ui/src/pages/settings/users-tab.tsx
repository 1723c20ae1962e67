import { useQuery } from '@tanstack/react-query';
import type { UserDto } from '../../../../src/client/api-client.js';
import { api } from '../../api/client.js';
import { QueryView } from '../../components/query-view.js';
import { TimeAgo } from '../../components/time-ago.js';
import { describeBindings } from './access-words.js';
import { USERS_KEY } from './settings-keys.js';
import { UserActions } from './user-actions.js';
import { UserForm } from './user-form.js';

/** People and service accounts: who they are, what they may do, and the admin's actions on them. */
export function UsersTab() {
  const users = useQuery({ queryKey: USERS_KEY, queryFn: () => api.listUsers() });
  return (
    <section aria-labelledby="users-heading">
      <h2 id="users-heading">Users</h2>
      <QueryView query={users} what="users">
        {(list) => (list.length === 0 ? <p className="empty">No users yet.</p> : <UsersTable users={list} />)}
      </QueryView>
      <UserForm />
    </section>
  );
}

function UsersTable({ users }: { users: readonly UserDto[] }) {
  return (
    <div className="grid-scroll">
      <table className="list">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Display name</th>
            <th scope="col">Kind</th>
            <th scope="col">Bindings</th>
            <th scope="col">Groups and teams</th>
            <th scope="col">Status</th>
            <th scope="col">Password changed</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {users.map((user) => (
            <tr key={user.name}>
              <th scope="row">{user.name}</th>
              <td>{user.displayName ?? <span className="muted">—</span>}</td>
              <td>{user.kind === 'service' ? 'service account' : 'user'}</td>
              <td className="settings-words">{describeBindings(user.bindings)}</td>
              <td>{user.groups.length === 0 ? <span className="muted">none</span> : user.groups.join(', ')}</td>
              <td>
                {user.disabledAt ? (
                  <span className="badge badge-bad">
                    <span aria-hidden="true">⊘</span> disabled <TimeAgo at={user.disabledAt} />
                  </span>
                ) : (
                  <span className="badge badge-good">
                    <span aria-hidden="true">✓</span> active
                  </span>
                )}
              </td>
              <td>{passwordChange(user)}</td>
              <td>
                <UserActions user={user} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function passwordChange(user: UserDto) {
  if (user.passwordChangedAt) return <TimeAgo at={user.passwordChangedAt} />;
  return <span className="muted">{user.hasPassword ? 'unknown' : 'no password'}</span>;
}
