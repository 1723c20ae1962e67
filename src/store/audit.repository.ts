import { createHash } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { chainAuditRecord, GENESIS_HASH, type AuditEntry, type AuditHead, type AuditRecord } from '../core/audit/audit-chain.js';
import type { AuditLogTable, Database } from './schema.js';

/** SHA-256 of the canonical text, lower-case hex: the hash of the audit chain. */
export function auditHash(canonical: string): string {
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

function toAuditRecord(row: Selectable<AuditLogTable>): AuditRecord {
  // Details that no longer parse are kept as their text: the hash check then reports the record as
  // edited, instead of the reader failing.
  let details: unknown;
  try {
    details = JSON.parse(row.details_json);
  } catch {
    details = row.details_json;
  }
  return {
    seq: Number(row.seq),
    at: row.at,
    actor: row.actor,
    action: row.action,
    resource: row.resource,
    address: row.address,
    outcome: row.outcome,
    details,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/**
 * Appends a record to the chain, in one transaction (the caller's, when it passes one): the
 * head row is locked first (`UPDATE … SET seq = seq`), which serialises appenders across
 * PostgreSQL nodes (SQLite serialises writers anyway); the record gets the next seq and the
 * head's hash as its prev hash; then the head moves to it.
 */
export async function appendAuditRecord(db: Kysely<Database>, entry: AuditEntry): Promise<AuditRecord> {
  const work = async (trx: Kysely<Database>): Promise<AuditRecord> => {
    // The head row exists from the first append on; creating it here (seq 0, genesis) lets the
    // lock below hold for the very first append too.
    await trx.insertInto('audit_head').values({ id: 1, seq: 0, hash: GENESIS_HASH }).onConflict((conflict) => conflict.column('id').doNothing()).execute();
    await trx
      .updateTable('audit_head')
      .set((eb) => ({ seq: eb.ref('seq') }))
      .where('id', '=', 1)
      .execute();
    const head = await trx.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow();
    const current: AuditHead | null = Number(head.seq) === 0 ? null : { seq: Number(head.seq), hash: head.hash };
    const record = chainAuditRecord(entry, current, auditHash);
    await trx
      .insertInto('audit_log')
      .values({
        seq: record.seq,
        at: record.at,
        actor: record.actor,
        action: record.action,
        resource: record.resource,
        address: record.address,
        outcome: record.outcome,
        details_json: JSON.stringify(record.details ?? null),
        prev_hash: record.prevHash,
        hash: record.hash,
      })
      .execute();
    await trx.updateTable('audit_head').set({ seq: record.seq, hash: record.hash }).where('id', '=', 1).execute();
    return record;
  };
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}

/**
 * What `listAuditRecords` reads: seqs in (`afterSeq`, `beforeSeq`), optionally only one actor's or
 * one action's records, and `at` in [`fromAt`, `untilAt`). `at` is ISO text (`toISOString()`,
 * fixed width, UTC), so the bounds must be in that form too: they are compared as text.
 */
export interface AuditRecordQuery {
  readonly afterSeq: number;
  readonly beforeSeq?: number | undefined;
  /** `asc` (default): the first `limit` matches, oldest first; `desc`: the last ones, newest first. */
  readonly order?: 'asc' | 'desc' | undefined;
  readonly actor?: string | undefined;
  readonly action?: string | undefined;
  readonly fromAt?: string | undefined;
  readonly untilAt?: string | undefined;
  readonly limit: number;
}

/** One page of matching records, in seq order (or newest first with `order: 'desc'`). */
export async function listAuditRecords(db: Kysely<Database>, page: AuditRecordQuery): Promise<AuditRecord[]> {
  let query = db.selectFrom('audit_log').selectAll().where('seq', '>', page.afterSeq);
  if (page.beforeSeq !== undefined) query = query.where('seq', '<', page.beforeSeq);
  if (page.actor !== undefined) query = query.where('actor', '=', page.actor);
  if (page.action !== undefined) query = query.where('action', '=', page.action);
  if (page.fromAt !== undefined) query = query.where('at', '>=', page.fromAt);
  if (page.untilAt !== undefined) query = query.where('at', '<', page.untilAt);
  const rows = await query
    .orderBy('seq', page.order === 'desc' ? 'desc' : 'asc')
    .limit(page.limit)
    .execute();
  return rows.map(toAuditRecord);
}

/** The newest link, or null before the first append (or when someone removed it). */
export async function readAuditHead(db: Kysely<Database>): Promise<AuditHead | null> {
  const row = await db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirst();
  return row ? { seq: Number(row.seq), hash: row.hash } : null;
}

/**
 * Every record after `afterSeq`, in seq order, read a page at a time (each page its own query:
 * no transaction is held while the caller works through a page).
 */
export async function* readAuditPages(db: Kysely<Database>, options: { readonly afterSeq?: number; readonly pageSize: number }): AsyncGenerator<AuditRecord[], void, undefined> {
  let afterSeq = options.afterSeq ?? 0;
  for (;;) {
    const page = await listAuditRecords(db, { afterSeq, limit: options.pageSize });
    if (page.length > 0) yield page;
    if (page.length < options.pageSize) return;
    afterSeq = page[page.length - 1]!.seq;
  }
}
