import { createChainVerifier, type AuditEntry, type AuditRecord, type ChainVerdict } from '../core/audit/audit-chain.js';
import { GantryError, isGantryError } from '../core/errors.js';
import { appendAuditRecord, auditHash, listAuditRecords, readAuditHead, readAuditPages } from '../store/audit.repository.js';
import type { AppDeps } from './app-deps.js';

export type { AuditRecord, ChainVerdict };

/** What a caller records; the time comes from the clock. */
export type AuditEntryInput = Omit<AuditEntry, 'at'>;

/** Records are read this many at a time by verify and export (bounded memory for any log). */
export const AUDIT_PAGE_SIZE = 1000;
/** The most records one `listAudit` page holds. */
export const MAX_AUDIT_LIST_LIMIT = 1000;
/** Verify reads on while appends keep arriving, at most this many times, before judging. */
const MAX_CATCH_UP_ROUNDS = 100;

/**
 * Appends a record to the audit log. If it cannot be written the caller must not go on with
 * the action: this throws STORE_UNAVAILABLE (the cause is kept for the log).
 */
export async function recordAudit(deps: AppDeps, entry: AuditEntryInput): Promise<AuditRecord> {
  try {
    return await appendAuditRecord(deps.db, { ...entry, at: deps.clock.now().toISOString() });
  } catch (error) {
    if (isGantryError(error) && error.code === 'STORE_UNAVAILABLE') throw error;
    throw new GantryError('STORE_UNAVAILABLE', 'the audit log cannot be written, so the action was not carried out', {}, { cause: error });
  }
}

/** One page of the audit log, oldest first, after seq `after`. */
export async function listAudit(deps: AppDeps, query: { readonly after?: number | undefined; readonly limit?: number | undefined } = {}): Promise<AuditRecord[]> {
  const limit = Math.min(Math.max(1, query.limit ?? 100), MAX_AUDIT_LIST_LIMIT);
  return listAuditRecords(deps.db, { afterSeq: Math.max(0, query.after ?? 0), limit });
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
