import { createChainVerifier, type AuditEntry, type AuditRecord, type ChainVerdict } from '../core/audit/audit-chain.js';
import { GantryError, isGantryError } from '../core/errors.js';
import { appendAuditRecord, auditHash, listAuditRecords, readAuditHead, readAuditPages } from '../store/audit.repository.js';
import type { AppDeps } from './app-deps.js';

export type { AuditRecord, ChainVerdict };

/** What a caller records; the time comes from the clock. */
export type AuditEntryInput = Omit<AuditEntry, 'at'>;

/** The `address` of an action taken offline, on the machine of the store (`gantry migrate`, `restore`, `secret rotate-master-key`). */
export const LOCAL_ADDRESS = 'local';

/** Who runs an offline command: the operating-system user (`os:alice`), from LOCAL_ADDRESS. */
export interface OfflineOperator {
  readonly actor: string;
  readonly address: string;
}

/** Records are read this many at a time by verify and export (bounded memory for any log). */
export const AUDIT_PAGE_SIZE = 1000;
/** The most records one `listAudit` page holds. */
export const MAX_AUDIT_LIST_LIMIT = 1000;
/** Verify reads on while appends keep arriving, at most this many times, before judging. */
const MAX_CATCH_UP_ROUNDS = 100;

/**
 * Appends a record to the audit log (in the caller's transaction when `deps.db` is one). If it
 * cannot be written the caller must not go on with the action: this throws STORE_UNAVAILABLE (the
 * cause is kept for the log).
 */
export async function recordAudit(deps: Pick<AppDeps, 'db' | 'clock'>, entry: AuditEntryInput): Promise<AuditRecord> {
  try {
    return await appendAuditRecord(deps.db, { ...entry, at: deps.clock.now().toISOString() });
  } catch (error) {
    if (isGantryError(error) && error.code === 'STORE_UNAVAILABLE') throw error;
    throw new GantryError('STORE_UNAVAILABLE', 'the audit log cannot be written, so the action was not carried out', {}, { cause: error });
  }
}

/** Seqs are 32-bit integers in the store (PostgreSQL `integer`): larger bounds are clamped to this. */
const MAX_SEQ = 2_147_483_647;

/** What a page of the audit log is read by (the API's query, validated; `from`/`until` are ISO 8601). */
export interface AuditListOptions {
  readonly after?: number | undefined;
  readonly before?: number | undefined;
  readonly order?: 'asc' | 'desc' | undefined;
  readonly actor?: string | undefined;
  readonly action?: string | undefined;
  readonly from?: string | undefined;
  readonly until?: string | undefined;
  readonly limit?: number | undefined;
}

/**
 * An ISO 8601 date-time (with Z or an offset) as the store's `at` text (`toISOString()`, UTC,
 * fixed width), so that comparing text compares time. An offset can reach past the years
 * 0000–9999 that form covers: such an instant is before or after every record.
 */
function atText(value: string, where: 'from' | 'until'): string | 'before-all' | 'after-all' {
  let time = Date.parse(value);
  if (Number.isNaN(time)) throw new GantryError('REQUEST_INVALID', `${where} is not an ISO 8601 date-time: ${JSON.stringify(value.slice(0, 60))}`, { where });
  // `at` has milliseconds: a finer bound is rounded up (at ≥ from and at < until stay exact).
  if (/^\d*[1-9]/.test(/T[\d:]+\.\d{3}(\d+)/.exec(value)?.[1] ?? '')) time += 1;
  const year = new Date(time).getUTCFullYear();
  if (year < 0) return 'before-all';
  if (year > 9999) return 'after-all';
  return new Date(time).toISOString();
}

/**
 * One page of the audit log: records with `after` < seq < `before` that match the filters
 * (`actor`, `action` exact; `from` ≤ at < `until`), oldest first after `after` (the default), or
 * newest first before `before` with `order: 'desc'`.
 */
export async function listAudit(deps: AppDeps, query: AuditListOptions = {}): Promise<AuditRecord[]> {
  const limit = Math.min(Math.max(1, query.limit ?? 100), MAX_AUDIT_LIST_LIMIT);
  const clampSeq = (seq: number) => Math.min(Math.max(0, seq), MAX_SEQ);
  const from = query.from === undefined ? 'before-all' : atText(query.from, 'from');
  const until = query.until === undefined ? 'after-all' : atText(query.until, 'until');
  if (from === 'after-all' || until === 'before-all') return [];
  return listAuditRecords(deps.db, {
    afterSeq: clampSeq(query.after ?? 0),
    // A bound past any seq is no bound.
    beforeSeq: query.before === undefined || query.before > MAX_SEQ ? undefined : clampSeq(query.before),
    order: query.order ?? 'asc',
    actor: query.actor,
    action: query.action,
    fromAt: from === 'before-all' ? undefined : from,
    untilAt: until === 'after-all' ? undefined : until,
    limit,
  });
}

/**
 * Checks the whole chain, a page of 1000 records at a time, then the head: names the first
 * broken link (an edited record, a removed or inserted one, a cut-off tail, a missing head).
 * Records appended while it reads are read too: the head is read after the records (the head
 * and its record are committed together), and reading goes on until it is reached.
 */
export async function verifyAuditLog(deps: AppDeps, pageSize = AUDIT_PAGE_SIZE): Promise<ChainVerdict> {
  const verifier = createChainVerifier(auditHash);
  let afterSeq = 0;
  for (let round = 0; ; round++) {
    for await (const page of readAuditPages(deps.db, { afterSeq, pageSize })) {
      for (const record of page) if (!verifier.feed(record)) return verifier.finish(null);
    }
    const head = await readAuditHead(deps.db);
    const progressed = verifier.lastSeq > afterSeq;
    if (head !== null && head.seq > verifier.lastSeq && progressed && round < MAX_CATCH_UP_ROUNDS) {
      afterSeq = verifier.lastSeq;
      continue;
    }
    return verifier.finish(head);
  }
}

/** Every record in seq order, read a page at a time (for NDJSON export). */
export async function* exportAudit(deps: AppDeps, pageSize = AUDIT_PAGE_SIZE): AsyncGenerator<AuditRecord, void, undefined> {
  for await (const page of readAuditPages(deps.db, { pageSize })) yield* page;
}
