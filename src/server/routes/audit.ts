import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { exportAudit, listAudit, verifyAuditLog, type AuditRecord } from '../../app/audit.js';
import { auditListQuerySchema, auditListSchema, auditVerificationSchema, type AuditRecordDto } from '../../protocol/audit-api.js';
import { needs } from '../access.js';
import type { ServerContext } from '../server-context.js';

/** Only callers with the `audit` permission (a global one) reach these routes. */
const AUDIT_ACCESS = needs('audit');

function toAuditRecordDto(record: AuditRecord): AuditRecordDto {
  return {
    seq: record.seq,
    at: record.at,
    actor: record.actor,
    action: record.action,
    resource: record.resource,
    address: record.address,
    outcome: record.outcome,
    details: record.details,
    prevHash: record.prevHash,
    hash: record.hash,
  };
}

async function* ndjsonLines(records: AsyncIterable<AuditRecord>): AsyncGenerator<string, void, undefined> {
  for await (const record of records) yield `${JSON.stringify(toAuditRecordDto(record))}\n`;
}

/** The audit log: read a page, verify the chain, export it whole (NDJSON, streamed). */
export function auditRoutes(context: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/audit', { config: AUDIT_ACCESS, schema: { querystring: auditListQuerySchema, response: { 200: auditListSchema } } }, async (request) => ({
      records: (await listAudit(context.app, request.query)).map(toAuditRecordDto),
    }));

    // 200 either way: a broken chain is a finding, not a failure of the request.
    app.get('/audit/verify', { config: AUDIT_ACCESS, schema: { response: { 200: auditVerificationSchema } } }, async () => verifyAuditLog(context.app));

    app.get('/audit/export', { config: AUDIT_ACCESS }, async (_request, reply) => {
      return reply.type('application/x-ndjson; charset=utf-8').send(Readable.from(ndjsonLines(exportAudit(context.app))));
    });
  };
}
