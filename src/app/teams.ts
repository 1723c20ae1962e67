import { z } from 'zod';
import { allows, describeAccess, isWithin, type Access } from '../core/access/access.js';
import { accessSchema } from '../core/access/access-schema.js';
import { accessWithTeams } from '../core/access/teams.js';
import type { Actor } from '../core/actor.js';
import { GantryError } from '../core/errors.js';
import { nameSchema } from '../core/names.js';
import * as teamStore from '../store/teams.repository.js';
import type { StoredTeam } from '../store/teams.repository.js';
import * as userStore from '../store/users.repository.js';
import type { AppDeps } from './app-deps.js';
import { parseInput } from './parse-input.js';

export type { StoredTeam };

/** A team with who is in it now (local users whose groups name it, and people the identity provider put in it). */
export interface TeamView extends StoredTeam {
  readonly members: readonly string[];
}

const displayNameSchema = z.string().trim().min(1).max(200);
/** Identity-provider group claims are often not Gantry names (`CN=Platform,OU=Groups`): any short text. */
const ssoGroupsSchema = z.array(z.string().trim().min(1).max(200)).max(50);

export const createTeamSchema = z.strictObject({
  name: nameSchema,
  displayName: displayNameSchema.optional(),
  ssoGroups: ssoGroupsSchema.default([]),
  bindings: accessSchema.default([]),
});

export const updateTeamSchema = z.strictObject({
  displayName: displayNameSchema.nullable().optional(),
  ssoGroups: ssoGroupsSchema.optional(),
  bindings: accessSchema.optional(),
});

/** What a user may do now: their own bindings and those of their teams. */
export async function accessOf(deps: AppDeps, user: { readonly bindings: Access; readonly groups: readonly string[] }): Promise<Access> {
  return accessWithTeams(user.bindings, user.groups, await teamStore.listTeamsNamed(deps.db, user.groups));
}

export function requireUsersPermission(actor: Actor, what: string, where: string): void {
  if (!allows(actor.access, 'users')) throw new GantryError('PERMISSION_DENIED', `${actor.user} may not ${what}`, { where });
}

/** Refuses granting (or taking over) access the actor does not hold: no escalation through user or team management. */
export function requireWithin(actor: Actor, access: Access, what: string, where = 'bindings'): void {
  if (!isWithin(access, actor.access)) {
    throw new GantryError('PERMISSION_DENIED', `${actor.user} cannot ${what} ${describeAccess(access)}: it is more than they hold`, { where });
  }
}

async function requireTeam(deps: AppDeps, name: string): Promise<StoredTeam> {
  const team = await teamStore.findTeam(deps.db, name);
  if (!team) throw new GantryError('TEAM_NOT_FOUND', `there is no team ${name}`, { where: 'name' });
  return team;
}

async function withMembers(deps: AppDeps, team: StoredTeam): Promise<TeamView> {
  return { ...team, members: (await userStore.listUsersInGroup(deps.db, team.name)).map((user) => user.name) };
}

export async function createTeam(deps: AppDeps, actor: Actor, input: unknown): Promise<TeamView> {
  const request = parseInput(createTeamSchema, input, '', 'team');
  requireUsersPermission(actor, 'add teams', 'team');
  requireWithin(actor, request.bindings, 'give a team');
  const now = deps.clock.now().toISOString();
  await teamStore.insertTeam(deps.db, {
    name: request.name,
    displayName: request.displayName ?? null,
    ssoGroups: [...new Set(request.ssoGroups)],
    bindings: request.bindings,
    createdAt: now,
    updatedAt: now,
  });
  return withMembers(deps, await requireTeam(deps, request.name));
}

export async function listTeams(deps: AppDeps, actor: Actor): Promise<TeamView[]> {
  requireUsersPermission(actor, 'list teams', 'team');
  const [teams, users] = [await teamStore.listTeams(deps.db), await userStore.listUsers(deps.db)];
  return teams.map((team) => ({ ...team, members: users.filter((user) => user.groups.includes(team.name)).map((user) => user.name) }));
}

export async function getTeam(deps: AppDeps, actor: Actor, name: string): Promise<TeamView> {
  requireUsersPermission(actor, 'see teams', 'team');
  return withMembers(deps, await requireTeam(deps, name));
}

/** Changes what is given; bindings taken away narrow every member's tokens from their next request. */
export async function updateTeam(deps: AppDeps, actor: Actor, name: string, input: unknown): Promise<TeamView> {
  const request = parseInput(updateTeamSchema, input, '', 'team');
  requireUsersPermission(actor, 'change teams', 'team');
  const team = await requireTeam(deps, name);
  requireWithin(actor, team.bindings, 'change a team with');
  if (request.bindings) requireWithin(actor, request.bindings, 'give a team');
  await teamStore.updateTeam(deps.db, {
    ...team,
    displayName: request.displayName === undefined ? team.displayName : request.displayName,
    ssoGroups: request.ssoGroups === undefined ? team.ssoGroups : [...new Set(request.ssoGroups)],
    bindings: request.bindings ?? team.bindings,
    updatedAt: deps.clock.now().toISOString(),
  });
  return withMembers(deps, await requireTeam(deps, name));
}

/**
 * Deletes the team and takes its name out of its members' groups, so they lose its bindings at
 * once and a team made later under the same name starts empty.
 */
export async function deleteTeam(deps: AppDeps, actor: Actor, name: string): Promise<void> {
  requireUsersPermission(actor, 'delete teams', 'team');
  requireWithin(actor, (await requireTeam(deps, name)).bindings, 'delete a team with');
  const now = deps.clock.now().toISOString();
  await deps.db.transaction().execute(async (trx) => {
    for (const member of await userStore.listUsersInGroup(trx, name)) {
      await userStore.updateUser(trx, member.name, { ...member, groups: member.groups.filter((group) => group !== name), updatedAt: now });
    }
    await teamStore.deleteTeam(trx, name);
  });
}

/**
 * Puts a user in the team or takes them out (their groups gain or lose its name). The actor must
 * hold the team's bindings and everything the user holds now.
 */
export async function setTeamMember(deps: AppDeps, actor: Actor, teamName: string, userName: string, member: boolean): Promise<TeamView> {
  requireUsersPermission(actor, 'change who is in a team', 'team');
  const team = await requireTeam(deps, teamName);
  const user = await userStore.findUser(deps.db, userName);
  if (!user) throw new GantryError('USER_NOT_FOUND', `there is no user ${userName}`, { where: 'user' });
  requireWithin(actor, team.bindings, member ? 'add a member to a team with' : 'remove a member from a team with');
  requireWithin(actor, await accessOf(deps, user), 'change a user with');
  const groups = member ? [...new Set([...user.groups, team.name])] : user.groups.filter((group) => group !== team.name);
  await userStore.updateUser(deps.db, user.name, { ...user, groups, updatedAt: deps.clock.now().toISOString() });
  return withMembers(deps, team);
}
