/** `gantry team add | list | show | set | delete | add-member | remove-member`. */
import type { RoleBindingRequest, TeamDto } from '../../client/api-client.js';
import { describeAccess } from '../../core/access/access.js';
import { connect } from '../connect.js';
import type { CommandContext } from '../context.js';
import { EXIT_CODES } from '../exit-codes.js';
import { NONE } from '../format.js';

export interface TeamOptions {
  readonly bind: readonly RoleBindingRequest[];
  readonly ssoGroup: readonly string[];
  readonly displayName?: string | undefined;
  readonly json?: boolean;
}

function summary(team: TeamDto): string {
  return `${describeAccess(team.bindings)}; members: ${team.members.join(', ') || 'none'}${team.ssoGroups.length > 0 ? `; single sign-on groups: ${team.ssoGroups.join(', ')}` : ''}`;
}

function print(ctx: CommandContext, team: TeamDto, what: string, json: boolean | undefined): number {
  if (json) ctx.output.json(team);
  else ctx.output.line(`${what} team ${team.name}: ${summary(team)}`);
  return EXIT_CODES.ok;
}

export async function addTeam(ctx: CommandContext, name: string, options: TeamOptions): Promise<number> {
  const team = await connect(ctx).createTeam(name, { displayName: options.displayName, ssoGroups: options.ssoGroup, bindings: options.bind });
  return print(ctx, team, 'added', options.json);
}

/** Replaces what is given: the bindings (all of them), the single sign-on groups, the display name. */
export async function setTeam(ctx: CommandContext, name: string, options: TeamOptions): Promise<number> {
  const team = await connect(ctx).updateTeam(name, {
    ...(options.displayName === undefined ? {} : { displayName: options.displayName }),
    ...(options.ssoGroup.length > 0 ? { ssoGroups: options.ssoGroup } : {}),
    ...(options.bind.length > 0 ? { bindings: options.bind } : {}),
  });
  return print(ctx, team, 'changed', options.json);
}

export async function showTeam(ctx: CommandContext, name: string, options: { json?: boolean }): Promise<number> {
  const team = await connect(ctx).getTeam(name);
  if (options.json) {
    ctx.output.json(team);
    return EXIT_CODES.ok;
  }
  ctx.output.line(`team ${team.name}${team.displayName ? ` (${team.displayName})` : ''}`);
  for (const binding of team.bindings) ctx.output.line(`  ${describeAccess([binding])}`);
  if (team.bindings.length === 0) ctx.output.line('  no bindings');
  ctx.output.line(`members: ${team.members.join(', ') || 'none'}`);
  ctx.output.line(`single sign-on groups: ${team.ssoGroups.join(', ') || 'none (only a group claim named like the team)'}`);
  return EXIT_CODES.ok;
}

export async function listTeams(ctx: CommandContext, options: { json?: boolean }): Promise<number> {
  const teams = await connect(ctx).listTeams();
  if (options.json) {
    ctx.output.json({ teams });
    return EXIT_CODES.ok;
  }
  ctx.output.table(
    ['NAME', 'ACCESS', 'MEMBERS', 'SSO GROUPS'],
    teams.map((team) => [team.name, describeAccess(team.bindings), team.members.join(',') || NONE, team.ssoGroups.join(',') || NONE]),
  );
  return EXIT_CODES.ok;
}

export async function deleteTeam(ctx: CommandContext, name: string, options: { json?: boolean }): Promise<number> {
  await connect(ctx).deleteTeam(name);
  if (options.json) ctx.output.json({ team: name, deleted: true });
  else ctx.output.line(`deleted team ${name}: its members lost its bindings and its name from their groups`);
  return EXIT_CODES.ok;
}

export async function setTeamMember(ctx: CommandContext, team: string, user: string, member: boolean, options: { json?: boolean }): Promise<number> {
  const answer = await connect(ctx).setTeamMember(team, user, member);
  return print(ctx, answer, member ? `added ${user} to` : `removed ${user} from`, options.json);
}
