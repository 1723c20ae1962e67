import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { giveFeedbackThroughLink, openFeedbackLink } from '../../app/feedback.js';
import { MAX_TOKEN_LENGTH } from '../../app/feedback-links.js';
import { GantryError, isGantryError } from '../../core/errors.js';
import { PUBLIC } from '../access.js';
import { AuthThrottle } from '../auth-throttle.js';
import { feedbackFormPage, feedbackRefusedPage, feedbackThanksPage, sendFeedbackPage } from '../feedback-page.js';
import { problemOf, sendProblem } from '../problem.js';
import type { ServerContext } from '../server-context.js';

/** Answers through links one address may send per hour (per server node), so one person cannot stuff a link. */
export const LINK_ANSWERS_PER_ADDRESS_PER_HOUR = 20;
/** A comment is at most 2,000 characters: a form body is small. */
const FORM_BODY_LIMIT = 16 * 1024;

const REFUSED_TITLES: Partial<Record<string, string>> = {
  FEEDBACK_LINK_EXPIRED: 'This feedback link has expired',
  FEEDBACK_LINK_USED_UP: 'This feedback link is used up',
  FEEDBACK_RATE_LIMITED: 'Please wait a while',
  AUTH_RATE_LIMITED: 'Please wait a while',
  REQUEST_INVALID: 'The feedback could not be read',
};

/**
 * The pages behind a feedback link (`/feedback/<token>`), outside the API: public, since the
 * signed token is the credential. A token that is not a valid signature counts against the
 * address like a failed authentication (the server's throttle), so guessing is slowed like
 * guessing API tokens; answers are bounded per link (in the store) and per address (here).
 */
export function feedbackPageRoutes(context: ServerContext): FastifyPluginAsync {
  return async (app) => {
    // Each answer counts like a failure would: the throttle counts events per address in a window.
    const answers = new AuthThrottle({ limit: LINK_ANSWERS_PER_ADDRESS_PER_HOUR, windowMs: 3_600_000, maxAddresses: 10_000, now: () => context.app.clock.now().getTime() });
    // Browsers post the form urlencoded; only in this plugin.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });

    const wantsJson = (request: FastifyRequest) => request.method === 'POST' && (request.headers['content-type'] ?? '').split(';')[0]!.trim() === 'application/json';

    function refuse(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
      if (!isGantryError(error)) throw error;
      if (error.code === 'FEEDBACK_LINK_INVALID') context.authThrottle.failed(request.ip);
      if (wantsJson(request)) return sendProblem(reply, error);
      const problem = problemOf(error);
      return sendFeedbackPage(reply, problem.status, feedbackRefusedPage(REFUSED_TITLES[error.code] ?? 'This feedback link cannot be used', error.message));
    }

    function tokenOf(request: FastifyRequest): string {
      // A wildcard, not `:token`: the router caps named parameters at 100 characters, and a token is longer.
      const token = (request.params as { '*': string })['*'];
      if (token.length > MAX_TOKEN_LENGTH) throw new GantryError('FEEDBACK_LINK_INVALID', 'this feedback link is malformed; open the whole link, or ask for a new one', { where: 'token' });
      return token;
    }

    function throttle(reply: FastifyReply, throttled: AuthThrottle, address: string, error: (seconds: number) => GantryError): void {
      const waitMs = throttled.retryAfterMs(address);
      if (waitMs <= 0) return;
      const seconds = Math.ceil(waitMs / 1000);
      reply.header('retry-after', String(seconds));
      throw error(seconds);
    }

    const guessing = (seconds: number) => new GantryError('AUTH_RATE_LIMITED', `too many invalid links or tokens from this address; try again in ${seconds}s`);

    app.get('/feedback/*', { config: PUBLIC, schema: { hide: true } }, async (request, reply) => {
      try {
        throttle(reply, context.authThrottle, request.ip, guessing);
        const link = await openFeedbackLink(context.app, tokenOf(request));
        if (link.remaining === 0) throw new GantryError('FEEDBACK_LINK_USED_UP', 'this feedback link has taken all the answers it may; thank you — ask for a new link to say more', { where: 'token' });
        const { app: name, version, environment } = link.deployment;
        return sendFeedbackPage(reply, 200, feedbackFormPage({ app: name, version, environment, audience: link.audience, expiresAt: link.expiresAt }));
      } catch (error) {
        return refuse(request, reply, error);
      }
    });

    app.post('/feedback/*', { config: PUBLIC, schema: { hide: true } }, async (request, reply) => {
      try {
        throttle(reply, context.authThrottle, request.ip, guessing);
        throttle(reply, answers, request.ip, (seconds) => new GantryError('FEEDBACK_RATE_LIMITED', `this address has sent ${LINK_ANSWERS_PER_ADDRESS_PER_HOUR} answers within the hour; try again in ${seconds}s`));
        const entry = await giveFeedbackThroughLink(context.app, tokenOf(request), request.body ?? {});
        answers.failed(request.ip);
        if (wantsJson(request)) return reply.code(201).send({ id: entry.id, rating: entry.rating, who: entry.who, deploymentId: entry.deploymentId });
        return sendFeedbackPage(reply, 201, feedbackThanksPage({ app: entry.app, version: entry.version, environment: entry.environment, rating: entry.rating }));
      } catch (error) {
        return refuse(request, reply, error);
      }
    });
  };
}
