import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client.js';
import { QueryView } from '../../components/query-view.js';
import { TeamCard } from './team-card.js';
import { TeamForm } from './team-form.js';
import { TEAMS_KEY, USERS_KEY } from './settings-keys.js';

/** Teams: their members and bindings; add, change membership, delete. */
export function TeamsTab() {
  const teams = useQuery({ queryKey: TEAMS_KEY, queryFn: () => api.listTeams() });
  const users = useQuery({ queryKey: USERS_KEY, queryFn: () => api.listUsers() });
  const userNames = users.data?.map((user) => user.name) ?? [];
  return (
    <section aria-labelledby="teams-heading">
      <h2 id="teams-heading">Teams</h2>
      <datalist id="team-member-candidates">
        {userNames.map((name) => (
          <option key={name} value={name} />
        ))}
      </datalist>
      <QueryView query={teams} what="teams">
        {(list) =>
          list.length === 0 ? (
            <p className="empty">No teams yet.</p>
          ) : (
            <ul className="team-cards">
              {list.map((team) => (
                <TeamCard key={team.name} team={team} />
              ))}
            </ul>
          )
        }
      </QueryView>
      <TeamForm />
    </section>
  );
}
