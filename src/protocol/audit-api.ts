/**
 * Wire shapes of the audit log (API and CLI share them): records, a page of them, and the
 * verdict of `GET /audit/verify`. The export is NDJSON, one auditRecordSchema object a line.
 */
import { z } from 'zod';

export const auditRecordSchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  actor: z.string(),
  /** `POST /api/v1/windows`: the method and the route pattern. */
  action: z.string(),
  /** The path acted on, without the query string. */
  resource: z.string(),
  address: z.string().nullable(),
  /** `attempted`, then `status <HTTP status>`. */
  outcome: z.string(),
  /** Route parameters and the names (never the values) of the body's top-level fields. */
  details: z.unknown(),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditRecordDto = z.infer<typeof auditRecordSchema>;

export const auditListQuerySchema = z
  .object({
    /** Records after this seq (default 0: from the start). */
    after: z.coerce.number().int().min(0).default(0),
    /** At most this many (default 100, at most 1000). */
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();
/** A page of the list: records after `after`, at most `limit` of them. */
export interface AuditListQuery {
  readonly after?: number | undefined;
  readonly limit?: number | undefined;
}

export const auditListSchema = z.object({ records: z.array(auditRecordSchema) });

export const auditVerificationSchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    /** How many records were checked. */
    checked: z.number().int(),
    /** The newest link (null: the log is empty). */
    head: z.object({ seq: z.number().int(), hash: z.string() }).nullable(),
  }),
  z.object({
    ok: z.literal(false),
    /** How many records were found intact before the first broken link. */
    checked: z.number().int(),
    firstBroken: z.object({ seq: z.number().int(), problem: z.string() }),
  }),
]);
export type AuditVerificationDto = z.infer<typeof auditVerificationSchema>;
