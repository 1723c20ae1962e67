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

/** A free-text filter: exact, no NUL (PostgreSQL text cannot hold it), bounded. */
const exactText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[^\0]*$/, 'must not contain NUL');
/** An ISO 8601 date-time with `Z` or an offset, compared as an instant with each record's `at`. */
const instant = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with Z or an offset, such as 2026-11-27T09:00:00Z' });

export const auditListQuerySchema = z
  .object({
    /** Records after this seq (default 0: from the start). */
    after: z.coerce.number().int().min(0).default(0),
    /** Records before this seq (default: up to the newest). */
    before: z.coerce.number().int().min(1).optional(),
    /**
     * `asc` (default): oldest first, the first `limit` records after `after`; `desc`: newest
     * first, the last `limit` records before `before` (page back with the smallest seq seen).
     */
    order: z.enum(['asc', 'desc']).default('asc'),
    /** Only this actor's records (exact). */
    actor: exactText(200).optional(),
    /** Only this action (exact, the method and route pattern: `POST /api/v1/deployments`). */
    action: exactText(300).optional(),
    /** Only records at or after this time (inclusive). */
    from: instant.optional(),
    /** Only records before this time (exclusive). */
    until: instant.optional(),
    /** At most this many (default 100, at most 1000). */
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();
/**
 * A page of the list: records with `after` < seq < `before` that match the filters (`actor`,
 * `action`, `from` ≤ at < `until`), at most `limit` of them, oldest first (`order: 'asc'`, the
 * default) or newest first (`order: 'desc'`).
 */
export interface AuditListQuery {
  readonly after?: number | undefined;
  readonly before?: number | undefined;
  readonly order?: 'asc' | 'desc' | undefined;
  readonly actor?: string | undefined;
  readonly action?: string | undefined;
  /** ISO 8601 date-time with `Z` or an offset. */
  readonly from?: string | undefined;
  readonly until?: string | undefined;
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
