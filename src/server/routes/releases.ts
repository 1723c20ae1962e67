import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createRelease, listAppReleases } from '../../app/releases.js';
import { GantryError } from '../../core/errors.js';
import { nameSchema } from '../../core/names.js';
import { releaseQuerySchema, releaseSchema } from '../../protocol/api.js';
import { toReleaseDto } from '../dto.js';
import { fromParams, needs } from '../access.js';
import type { ServerContext } from '../server-context.js';

export function releaseRoutes(context: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    // The archive is streamed straight into the content-addressed store, never held in memory.
    app.addContentTypeParser('application/gzip', (_request, payload, done) => done(null, payload));

    app.get('/applications/:app/releases', { config: needs('read', fromParams), schema: { params: z.object({ app: nameSchema }), response: { 200: z.object({ releases: z.array(releaseSchema) }) } } }, async (request) => ({
      releases: (await listAppReleases(context.app, request.params.app)).map(toReleaseDto),
    }));

    app.post(
      '/applications/:app/releases/:version',
      {
        config: needs('release', fromParams),
        schema: { params: z.object({ app: nameSchema, version: z.string().max(200) }), querystring: releaseQuerySchema, response: { 201: releaseSchema } },
      },
      async (request, reply) => {
        if (request.headers['content-type']?.split(';')[0]?.trim() !== 'application/gzip') {
          throw new GantryError('REQUEST_INVALID', 'send the release archive as the body with Content-Type: application/gzip', { where: 'body' });
        }
        const release = await createRelease(
          context.app,
          { app: request.params.app, version: request.params.version, commit: request.query.commit ?? null, notes: request.query.notes ?? null },
          request.body as Readable,
        );
        return reply.code(201).send(toReleaseDto(release));
      },
    );
  };
}
