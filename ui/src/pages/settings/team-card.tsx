import { useMutation } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import type { TeamDto } from '../../../../src/client/api-client.js';
import { api } from '../../api/client.js';
import { messageOf } from '../../api/errors.js';
import { ConfirmButton } from '../../components/confirm-button.js';
import { describeBindings } from './access-words.js';
import { useRefreshPeople } from './settings-keys.js';

/** One team: who is in it, what it may do; add or remove a member, delete it. */
export function TeamCard({ team }: { team: TeamDto }) {
  const refresh = useRefreshPeople();
  const headingId = useId();
  return (
    <li className="team-card" aria-labelledby={headingId}>
      <div className="team-card-header">
        <h3 id={headingId}>
          {team.name}
          {team.displayName && <span className="muted"> · {team.displayName}</span>}
        </h3>
        <ConfirmButton
          label="Delete team"
          tone="danger"
          question={<p>Delete team {team.name}? Its members lose what the team's bindings gave them.</p>}
          onConfirm={async () => {
            await api.deleteTeam(team.name);
            await refresh();
          }}
        />
      </div>
      <p className="settings-words">
        <strong>Bindings:</strong> {describeBindings(team.bindings)}
      </p>
      {team.ssoGroups.length > 0 && (
        <p>
          <strong>Single sign-on groups:</strong> {team.ssoGroups.join(', ')}
        </p>
      )}
      <h4>Members</h4>
      {team.members.length === 0 ? (
        <p className="muted">No members.</p>
      ) : (
        <ul className="team-members">
          {team.members.map((member) => (
            <li key={member}>
              <span>{member}</span>
              <ConfirmButton
                label={`Remove ${member}`}
                question={<p>Take {member} out of team {team.name}?</p>}
                onConfirm={async () => {
                  await api.setTeamMember(team.name, member, false);
                  await refresh();
                }}
              />
            </li>
          ))}
        </ul>
      )}
      <AddMember team={team.name} />
    </li>
  );
}

function AddMember({ team }: { team: string }) {
  const refresh = useRefreshPeople();
  const [user, setUser] = useState('');
  const add = useMutation({
    mutationFn: (name: string) => api.setTeamMember(team, name, true),
    onSuccess: async () => {
      setUser('');
      await refresh();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (user.trim() !== '') add.mutate(user.trim());
  };
  return (
    <form className="add-member" onSubmit={submit}>
      <label>
        User to add to {team}
        <input required list="team-member-candidates" value={user} autoComplete="off" onChange={(event) => setUser(event.target.value)} />
      </label>
      <button type="submit" className="button" disabled={add.isPending}>
        Add member
      </button>
      {add.isError && (
        <p role="alert" className="error">
          {messageOf(add.error)}
        </p>
      )}
    </form>
  );
}
