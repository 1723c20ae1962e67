import type { Access } from './access.js';

/**
 * A team: a group of people with role bindings. Members get the bindings on top of their own;
 * membership is the team's name among a user's groups (which approval policies count too).
 * People who sign in through the identity provider join the teams whose `ssoGroups` hold one of
 * their group claims, or whose name is one.
 */
export interface Team {
  readonly name: string;
  readonly displayName: string | null;
  /** Group claims of the identity provider that make a person a member (`CN=Platform,OU=Groups`). */
  readonly ssoGroups: readonly string[];
  readonly bindings: Access;
}

/** A user's access: their own bindings and those of each team they belong to. */
export function accessWithTeams(own: Access, groups: readonly string[], teams: readonly Team[]): Access {
  return [...own, ...teams.filter((team) => groups.includes(team.name)).flatMap((team) => team.bindings)];
}

/** The teams the identity provider's group claims make a person a member of, by name. */
export function teamsForClaims(claims: readonly string[], teams: readonly Team[]): string[] {
  return teams.filter((team) => claims.includes(team.name) || team.ssoGroups.some((group) => claims.includes(group))).map((team) => team.name);
}
