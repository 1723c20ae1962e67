import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { giveFeedback, mintFeedbackLink, releaseFeedback } from '../../app/feedback.js';
import type { FeedbackEntry } from '../../core/feedback/feedback.js';
import { nameSchema } from '../../core/names.js';
import { feedbackEntrySchema, feedbackLinkSchema, releaseFeedbackSchema, type FeedbackEntryDto, type FeedbackLinkDto } from '../../protocol/feedback-api.js';
import { actorOf } from '../auth.js';
import { deploymentById, fromParams, mayAccess, needs } from '../access.js';
import type { ServerContext } from '../server-context.js';

const idParams = z.object({ id: z.string().min(1).max(200) });
/** Checked field by field by the app layer, so that a problem names its field. */
const looseBody = z.record(z.string(), z.unknown()).nullish();

export function toFeedbackEntryDto(entry: FeedbackEntry): FeedbackEntryDto {
  return { ...entry };
}

/** Where the form of a link is; the link's token is its only credential. */
export const feedbackPagePath = (token: string) => `/feedback/${token}`;

/**
 * Feedback after a deployment (issue 10), for signed-in callers: mint a link for people without
 * an account, give feedback, read a release's feedback with its summary. The link's own pages
 * are public (feedback-links.ts in routes).
 */
export function feedbackRoutes(context: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    const byId = deploymentById(context);

    // A link lets people outside Gantry write about the deployment: whoever runs it (deploy) invites them.
    app.post('/deployments/:id/feedback-links', { config: needs('deploy', byId), schema: { params: idParams, body: looseBody, response: { 201: feedbackLinkSchema } } }, async (request, reply) => {
      const link = await mintFeedbackLink(context.app, actorOf(request), request.params.id, request.body ?? {});
      const path = feedbackPagePath(link.token);
      const answer: FeedbackLinkDto = { ...link, path, url: `${request.protocol}://${request.host}${path}` };
      return reply.code(201).send(answer);
    });

    // Anyone who may see the deployment may say how it went: an opinion changes nothing that runs.
    app.post('/deployments/:id/feedback', { config: needs('read', byId), schema: { params: idParams, body: looseBody, response: { 201: feedbackEntrySchema } } }, async (request, reply) =>
      reply.code(201).send(toFeedbackEntryDto(await giveFeedback(context.app, actorOf(request), request.params.id, request.body ?? {}))),
    );

    app.get(
      '/applications/:app/releases/:version/feedback',
      { config: needs('read', fromParams), schema: { params: z.object({ app: nameSchema, version: z.string().min(1).max(200) }), response: { 200: releaseFeedbackSchema } } },
      async (request) => {
        const { app: name, version } = request.params;
        const found = await releaseFeedback(context.app, name, version, (environment) => mayAccess(request, 'read', { app: name, environment }));
        return {
          app: name,
          version,
          summary: { ...found.summary, distribution: { ...found.summary.distribution }, environments: found.summary.environments.map((row) => ({ ...row, distribution: { ...row.distribution } })) },
          entries: found.entries.map(toFeedbackEntryDto),
        };
      },
    );
  };
}
