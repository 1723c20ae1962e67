import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { signInWithOidc } from '../../app/oidc-login.js';
import { GantryError, isGantryError } from '../../core/errors.js';
import { authMethodsSchema } from '../../protocol/users-api.js';
import { PUBLIC } from '../access.js';
import { throttled } from '../auth.js';
import { OIDC_STATE_COOKIE, OIDC_STATE_MS, readLoginState, signLoginState, type OidcClient } from '../oidc.js';
import type { ServerContext } from '../server-context.js';
import { SESSION_COOKIE, sessionCookieOptions } from '../sessions.js';

/** The state cookie goes only to the callback. */
const STATE_COOKIE_PATH = '/api/v1/auth/oidc';

/**
 * Single sign-on (public: the provider is the credential). `login` sends the browser to the
 * provider; `callback` redeems the code, signs the user in and sets the session cookie.
 */
export function oidcRoutes(context: ServerContext): FastifyPluginAsyncZod {
  const oidc = (): OidcClient => {
    if (!context.oidc) throw new GantryError('OIDC_NOT_CONFIGURED', 'single sign-on is not configured on this server (GANTRY_OIDC_ISSUER, …)', { where: 'oidc' });
    return context.oidc;
  };
  const secure = () => context.app.serverFingerprint !== null;
  return async (app) => {
    // For the login page: whether to offer single sign-on.
    app.get('/auth/methods', { config: PUBLIC, schema: { response: { 200: authMethodsSchema } } }, async () => ({ password: true, oidc: Boolean(context.oidc) }));

    app.get('/auth/oidc/login', { config: PUBLIC, schema: { hide: true } }, async (_request, reply) => {
      const client = oidc();
      const { url, state } = await client.start(context.app.clock.now().getTime());
      reply.setCookie(OIDC_STATE_COOKIE, signLoginState(client.settings.clientSecret, state), {
        path: STATE_COOKIE_PATH,
        httpOnly: true,
        // Lax: the provider's redirect back is a top-level GET navigation, which carries it.
        sameSite: 'lax',
        secure: secure(),
        maxAge: OIDC_STATE_MS / 1000,
      });
      return reply.redirect(url, 302);
    });

    // Audited like a mutating request: it creates or updates a user and hands out a session.
    app.get('/auth/oidc/callback', { config: { ...PUBLIC, audit: true }, schema: { hide: true } }, async (request, reply) => {
      const client = oidc();
      // Whatever happens, the state is used up.
      reply.clearCookie(OIDC_STATE_COOKIE, { path: STATE_COOKIE_PATH, httpOnly: true, sameSite: 'lax', secure: secure() });
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
      const { token, stored } = await throttled(context.authThrottle, request.ip, reply, async () => {
        try {
          const state = readLoginState(client.settings.clientSecret, request.cookies[OIDC_STATE_COOKIE], context.app.clock.now().getTime());
          return await signInWithOidc(context.app, await client.finish(query, state));
        } catch (error) {
          if (isGantryError(error) && error.code === 'OIDC_LOGIN_FAILED') {
            request.log.warn({ err: error.cause ?? error }, `single sign-on refused: ${error.message}`);
            // Counted against the address like a bad password.
            context.authThrottle.failed(request.ip);
          }
          throw error;
        }
      });
      // The audit record of the outcome names who signed in.
      request.actor = { user: stored.user, groups: stored.groups, access: stored.access, tokenId: stored.id };
      const maxAgeSeconds = Math.floor((Date.parse(stored.expiresAt!) - Date.parse(stored.createdAt)) / 1000);
      reply.setCookie(SESSION_COOKIE, token, sessionCookieOptions(secure(), maxAgeSeconds));
      return reply.redirect('/', 302);
    });
  };
}
