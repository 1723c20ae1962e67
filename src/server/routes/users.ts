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
  type UserView,
} from '../../app/users.js';
import { loginResponseSchema, sessionSchema, userListSchema, userSchema, type SessionDto, type UserDto } from '../../protocol/users-api.js';
import { bindingsDto } from '../dto.js';
import { needs, PUBLIC } from '../access.js';
import { actorOf, throttled } from '../auth.js';
import { csrfTokenFor, requireSameOrigin, SESSION_COOKIE, sessionCookieOptions } from '../sessions.js';
import type { ServerContext } from '../server-context.js';

function toUserDto(user: UserView): UserDto {
  const { access, bindings, groups, ...rest } = user;
  return { ...rest, groups: [...groups], bindings: bindingsDto(bindings), access: bindingsDto(access) };
}

const nameParams = z.object({ name: z.string().min(1).max(100) });

/**
 * Users with local passwords (admins manage them with the `users` permission), login (a token
 * with the user's access, or for the web UI a session cookie holding it; public, throttled like
 * bad tokens), who the caller is (`GET /session`) and logout (revokes the calling token and
 * clears the session cookie).
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
      // A page of another site must not log the browser in (to an account of the attacker's choosing).
      if (request.body.session) requireSameOrigin(request);
      const { token, stored } = await throttled(context.authThrottle, request.ip, reply, () => login(context.app, request.body));
      const answer = { id: stored.id, user: stored.user, expiresAt: stored.expiresAt! };
      if (!request.body.session) return reply.code(201).send({ token, ...answer });
      const maxAgeSeconds = Math.floor((Date.parse(stored.expiresAt!) - Date.parse(stored.createdAt)) / 1000);
      reply.setCookie(SESSION_COOKIE, token, sessionCookieOptions(context.app.serverFingerprint !== null, maxAgeSeconds));
      return reply.code(201).send({ ...answer, csrfToken: csrfTokenFor(token) });
    });

    app.get('/session', { config: needs('read'), schema: { response: { 200: sessionSchema } } }, async (request): Promise<SessionDto> => {
      const { user, groups, access } = actorOf(request);
      const session = request.sessionToken;
      return {
        user,
        groups: [...groups],
        access: bindingsDto(access),
        authenticatedBy: session === null ? 'bearer' : 'session',
        ...(session === null ? {} : { csrfToken: csrfTokenFor(session) }),
      };
    });

    app.post('/logout', { config: needs('read') }, async (request, reply) => {
      await revokeCallingToken(context.app, actorOf(request));
      reply.clearCookie(SESSION_COOKIE, sessionCookieOptions(context.app.serverFingerprint !== null));
      return reply.code(204).send();
    });
  };
}
