import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { attachEvidence, listReleaseEvidence, showReleaseEvidence, type StoredEvidence } from '../../app/release-evidence.js';
import { GantryError } from '../../core/errors.js';
import { MAX_EVIDENCE_BYTES } from '../../core/evidence/model.js';
import { describeEvidence } from '../../core/evidence/parse-evidence.js';
import { nameSchema } from '../../core/names.js';
import {
  attachEvidenceQuerySchema,
  attachEvidenceResponseSchema,
  evidenceDetailQuerySchema,
  evidenceDetailSchema,
  evidenceListSchema,
  type EvidenceDto,
} from '../../protocol/release-evidence-api.js';
import { actorOf } from '../auth.js';
import { fromParams, needs } from '../access.js';
import type { ServerContext } from '../server-context.js';

const releaseParams = z.object({ app: nameSchema, version: z.string().max(200) });
const EVIDENCE_CONTENT_TYPE = 'application/octet-stream';

export function toEvidenceDto(evidence: StoredEvidence): EvidenceDto {
  return {
    id: evidence.id,
    app: evidence.app,
    version: evidence.version,
    type: evidence.type,
    name: evidence.name,
    summary: structuredClone(evidence.summary) as EvidenceDto['summary'],
    description: describeEvidence(evidence.name, evidence.summary, evidence.sizeBytes),
    sha256: evidence.sha256,
    sizeBytes: evidence.sizeBytes,
    attachedBy: evidence.attachedBy,
    attachedAt: evidence.attachedAt,
  };
}

/** Release evidence (issue 11): test reports, scans, review records, coverage, attestations. */
export function releaseEvidenceRoutes(context: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    // The file is the body, whatever its format; the type in the query says how to read it. Only
    // this parser takes up to MAX_EVIDENCE_BYTES: a JSON body keeps the server's usual limit.
    app.addContentTypeParser(EVIDENCE_CONTENT_TYPE, { parseAs: 'buffer', bodyLimit: MAX_EVIDENCE_BYTES }, (_request, body, done) => done(null, body));

    app.post(
      '/applications/:app/releases/:version/evidence',
      { config: needs('release', fromParams), schema: { params: releaseParams, querystring: attachEvidenceQuerySchema, response: { 201: attachEvidenceResponseSchema } } },
      async (request, reply) => {
        if (request.headers['content-type']?.split(';')[0]?.trim() !== EVIDENCE_CONTENT_TYPE || !Buffer.isBuffer(request.body)) {
          throw new GantryError('REQUEST_INVALID', `send the evidence file as the body with Content-Type: ${EVIDENCE_CONTENT_TYPE}`, { where: 'body' });
        }
        const { app: name, version } = request.params;
        const attached = await attachEvidence(context.app, actorOf(request), { app: name, version, type: request.query.type, name: request.query.name, fileName: request.query.file, content: request.body });
        return reply.code(201).send({ ...toEvidenceDto(attached), replaced: attached.replaced });
      },
    );

    app.get('/applications/:app/releases/:version/evidence', { config: needs('read', fromParams), schema: { params: releaseParams, response: { 200: evidenceListSchema } } }, async (request) => ({
      evidence: (await listReleaseEvidence(context.app, request.params.app, request.params.version)).map(toEvidenceDto),
    }));

    app.get(
      '/applications/:app/releases/:version/evidence/:id',
      { config: needs('read', fromParams), schema: { params: releaseParams.extend({ id: z.string().min(1).max(100) }), querystring: evidenceDetailQuerySchema } },
      async (request, reply) => {
        const evidence = await showReleaseEvidence(context.app, request.params.app, request.params.version, request.params.id);
        const download = request.query.download === '1' || request.query.download === 'true';
        if (download) {
          return reply
            .header('content-type', EVIDENCE_CONTENT_TYPE)
            .header('content-disposition', `attachment; filename="${evidence.type}-${evidence.name}"`)
            .header('x-content-sha256', evidence.sha256)
            .send(evidence.content);
        }
        return reply.send(evidenceDetailSchema.parse({ ...toEvidenceDto(evidence), contentBase64: evidence.content.toString('base64') }));
      },
    );
  };
}
