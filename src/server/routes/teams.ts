import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createTeam, createTeamSchema, deleteTeam, getTeam, listTeams, setTeamMember, updateTeam, updateTeamSchema, type TeamView } from '../../app/teams.js';
import { teamListSchema, teamSchema, type TeamDto } from '../../protocol/users-api.js';
import { needs } from '../access.js';
import { actorOf } from '../auth.js';
import { bindingsDto } from '../dto.js';
import type { ServerContext } from '../server-context.js';

function toTeamDto(team: TeamView): TeamDto {
  return { ...team, ssoGroups: [...team.ssoGroups], bindings: bindingsDto(team.bindings), members: [...team.members] };
}

const nameParams = z.object({ name: z.string().min(1).max(100) });
const memberParams = z.object({ name: z.string().min(1).max(100), user: z.string().min(1).max(100) });

/** Teams: groups of users with role bindings, managed with the `users` permission. */
export function teamRoutes(context: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.post('/teams', { config: needs('users'), schema: { body: createTeamSchema, response: { 201: teamSchema } } }, async (request, reply) =>
      reply.code(201).send(toTeamDto(await createTeam(context.app, actorOf(request), request.body))),
    );

    app.get('/teams', { config: needs('users'), schema: { response: { 200: teamListSchema } } }, async (request) => ({
      teams: (await listTeams(context.app, actorOf(request))).map(toTeamDto),
    }));

    app.get('/teams/:name', { config: needs('users'), schema: { params: nameParams, response: { 200: teamSchema } } }, async (request) =>
      toTeamDto(await getTeam(context.app, actorOf(request), request.params.name)),
    );

    app.patch('/teams/:name', { config: needs('users'), schema: { params: nameParams, body: updateTeamSchema, response: { 200: teamSchema } } }, async (request) =>
      toTeamDto(await updateTeam(context.app, actorOf(request), request.params.name, request.body)),
    );

    app.delete('/teams/:name', { config: needs('users'), schema: { params: nameParams } }, async (request, reply) => {
      await deleteTeam(context.app, actorOf(request), request.params.name);
      return reply.code(204).send();
    });

    app.put('/teams/:name/members/:user', { config: needs('users'), schema: { params: memberParams, response: { 200: teamSchema } } }, async (request) =>
      toTeamDto(await setTeamMember(context.app, actorOf(request), request.params.name, request.params.user, true)),
    );

    app.delete('/teams/:name/members/:user', { config: needs('users'), schema: { params: memberParams, response: { 200: teamSchema } } }, async (request) =>
      toTeamDto(await setTeamMember(context.app, actorOf(request), request.params.name, request.params.user, false)),
    );
  };
}
