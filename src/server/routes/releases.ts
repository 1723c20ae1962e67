import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { attachReleaseCommits, releaseCommits, releaseNotes } from '../../app/release-notes.js';
import { createRelease, listAppReleases } from '../../app/releases.js';
import { GantryError } from '../../core/errors.js';
import { nameSchema } from '../../core/names.js';
import type { CommitRecord } from '../../core/release/commit-graph.js';
import { releaseQuerySchema, releaseSchema } from '../../protocol/api.js';
import { attachCommitsRequestSchema, attachCommitsResponseSchema, releaseCommitsSchema, releaseNotesQuerySchema, releaseNotesSchema } from '../../protocol/release-notes-api.js';
import { toReleaseDto } from '../dto.js';
import { fromParams, needs, type ResourceOf } from '../access.js';
import type { ServerContext } from '../server-context.js';

const releaseParams = z.object({ app: nameSchema, version: z.string().max(200) });

/** The application in the path and the environment the notes are read against, if any. */
const notesResource: ResourceOf = async (request) => ({
  app: (request.params as { app?: string }).app,
  environment: (request.query as { environment?: string } | undefined)?.environment,
});

const commitDto = (commit: CommitRecord) => ({ ...commit, parents: [...commit.parents] });

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

    // The CLI reads the commits from the repository and attaches them after the archive upload.
    app.put(
      '/applications/:app/releases/:version/commits',
      { config: needs('release', fromParams), schema: { params: releaseParams, body: attachCommitsRequestSchema, response: { 200: attachCommitsResponseSchema } } },
      async (request) => {
        const { app: name, version } = request.params;
        const attached = await attachReleaseCommits(context.app, name, version, request.body.commits);
        return { app: name, version, commits: attached.commits, unchanged: attached.unchanged };
      },
    );

    app.get('/applications/:app/releases/:version/commits', { config: needs('read', fromParams), schema: { params: releaseParams, response: { 200: releaseCommitsSchema } } }, async (request) => ({
      commits: (await releaseCommits(context.app, request.params.app, request.params.version)).map(commitDto),
    }));

    app.get(
      '/applications/:app/releases/:version/notes',
      { config: needs('read', notesResource), schema: { params: releaseParams, querystring: releaseNotesQuerySchema, response: { 200: releaseNotesSchema } } },
      async (request) => {
        const notes = await releaseNotes(context.app, request.params.app, request.params.version, request.query.environment);
        return { ...notes, commits: notes.commits.map(commitDto), releases: notes.releases.map((entry) => ({ ...entry })) };
      },
    );
  };
}
