import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { revokeCallingToken } from '../../app/api-tokens.js';
import {
  changeOwnPassword,
  changeOwnPasswordSchema,
  createUser,
  createUserSchema,
  getUser,
  listUsers,
  login,
  loginSchema,
  setPasswordSchema,
  setUserPassword,
  updateUser,
  updateUserSchema,
  type StoredUser,
} from '../../app/users.js';
import { loginResponseSchema, userListSchema, userSchema, type UserDto } from '../../protocol/users-api.js';
import { needs, PUBLIC } from '../access.js';
import { actorOf, throttled } from '../auth.js';
import type { ServerContext } from '../server-context.js';

function toUserDto(user: StoredUser): UserDto {
  const { access, groups, ...rest } = user;
  return { ...rest, groups: [...groups], role: access.role, apps: [...access.apps], environments: [...access.environments] };
}

const nameParams = z.object({ name: z.string().min(1).max(100) });

/**
 * Users with local passwords (admins manage them with the `users` permission), login (a token
 * with the user's access; public, throttled like bad tokens) and logout (revokes the calling token).
 */
export function userRoutes(context: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.post('/users', { config: needs('users'), schema: { body: createUserSchema, response: { 201: userSchema } } }, async (request, reply) => {
      return reply.code(201).send(toUserDto(await createUser(context.app, actorOf(request), request.body)));
    });

    app.get('/users', { config: needs('users'), schema: { response: { 200: userListSchema } } }, async (request) => ({
      users: (await listUsers(context.app, actorOf(request))).map(toUserDto),
    }));

    app.get('/users/:name', { config: needs('users'), schema: { params: nameParams, response: { 200: userSchema } } }, async (request) =>
      toUserDto(await getUser(context.app, actorOf(request), request.params.name)),
    );

    app.patch('/users/:name', { config: needs('users'), schema: { params: nameParams, body: updateUserSchema, response: { 200: userSchema } } }, async (request) =>
      toUserDto(await updateUser(context.app, actorOf(request), request.params.name, request.body)),
    );

    app.put('/users/:name/password', { config: needs('users'), schema: { params: nameParams, body: setPasswordSchema } }, async (request, reply) => {
      await setUserPassword(context.app, actorOf(request), request.params.name, request.body);
      return reply.code(204).send();
    });

    // Any valid token of the user; a wrong current password counts as a failed authentication.
    app.put('/me/password', { config: needs('read'), schema: { body: changeOwnPasswordSchema } }, async (request, reply) => {
      const actor = actorOf(request);
      await throttled(context.authThrottle, request.ip, reply, () => changeOwnPassword(context.app, actor, request.body));
      return reply.code(204).send();
    });

    app.post('/login', { config: PUBLIC, schema: { body: loginSchema, response: { 201: loginResponseSchema } } }, async (request, reply) => {
      const { token, stored } = await throttled(context.authThrottle, request.ip, reply, () => login(context.app, request.body));
      return reply.code(201).send({ token, id: stored.id, user: stored.user, expiresAt: stored.expiresAt! });
    });

    app.post('/logout', { config: needs('read') }, async (request, reply) => {
      await revokeCallingToken(context.app, actorOf(request));
      return reply.code(204).send();
    });
  };
}
