/**
 * The audit log's hash chain (issue 6). Every record holds the hash of the record before it
 * (`prevHash`; the first one holds GENESIS_HASH) and its own hash over its content, in a fixed
 * canonical form. The head names the newest record, so that cutting records off the end shows
 * as plainly as editing one in the middle.
 *
 * Pure: the hash function is passed in (core does no I/O and loads no node:crypto); the store
 * hashes with SHA-256. Verification is incremental — feed the records in seq order, page by page,
 * then finish with the head — so a log of any length is checked in bounded memory.
 */

/** What a caller records: who did what to which resource, from where, with what outcome. */
export interface AuditEntry {
  /** ISO-8601 UTC, from the injected clock. */
  readonly at: string;
  /** The user the token speaks for, `anonymous` for a public route or a refused token, or `gantry`. */
  readonly actor: string;
  /** `POST /api/v1/windows` (method and route pattern), or a named action. */
  readonly action: string;
  /** The path acted on (never the query string), or `-`. */
  readonly resource: string;
  /** The caller's IP address, if known. */
  readonly address: string | null;
  /** `attempted`, then `status 201`, `status 401`, … */
  readonly outcome: string;
  /** Names, never secret values: route parameters, the top-level field names of the body. */
  readonly details: unknown;
}

/** One link of the chain as stored. */
export interface AuditRecord extends AuditEntry {
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
}

/** The newest link: its seq and hash. */
export interface AuditHead {
  readonly seq: number;
  readonly hash: string;
}

/** Turns the canonical text of a record into its hash (lower-case hex). */
export type AuditHashFunction = (canonical: string) => string;

/** The prev hash of the first record: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/** Objects with their keys sorted (recursively), so the hash does not depend on key order. */
function canonicalValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalValue);
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) sorted[key] = canonicalValue((value as Record<string, unknown>)[key]);
    return sorted;
  }
  return value;
}

/**
 * The text a record's hash is taken over: a JSON array of its fields in a fixed order —
 * seq, at, actor, action, resource, address, outcome, details, prev_hash.
 */
export function canonicalAuditRecord(record: Omit<AuditRecord, 'hash'>): string {
  return JSON.stringify([record.seq, record.at, record.actor, record.action, record.resource, record.address, record.outcome, canonicalValue(record.details) ?? null, record.prevHash]);
}

/** The record that follows `head` (none: the first record), with its hash. */
export function chainAuditRecord(entry: AuditEntry, head: AuditHead | null, hash: AuditHashFunction): AuditRecord {
  const unhashed = { ...entry, seq: (head?.seq ?? 0) + 1, prevHash: head?.hash ?? GENESIS_HASH };
  return { ...unhashed, hash: hash(canonicalAuditRecord(unhashed)) };
}

export interface BrokenLink {
  /** The first record that is not what the chain says it should be. */
  readonly seq: number;
  /** What is wrong, in words. */
  readonly problem: string;
}

export type ChainVerdict =
  | { readonly ok: true; readonly checked: number; readonly head: AuditHead | null }
  | { readonly ok: false; readonly checked: number; readonly firstBroken: BrokenLink };

export interface ChainVerifier {
  /** Checks the next record (in seq order). Returns false once the chain is broken: stop feeding. */
  feed(record: AuditRecord): boolean;
  /** The seq of the last record fed (0 before any). */
  readonly lastSeq: number;
  /** Whether a broken link has been found. */
  readonly broken: boolean;
  /** The verdict, after every record has been fed, checked against the head (null: there is none). */
  finish(head: AuditHead | null): ChainVerdict;
}

function range(from: number, to: number): string {
  return from === to ? `record ${from}` : `records ${from}–${to}`;
}

/** An incremental checker of the chain: keeps only the last record it saw. */
export function createChainVerifier(hash: AuditHashFunction): ChainVerifier {
  let checked = 0;
  let last: { seq: number; hash: string } | null = null;
  let firstBroken: BrokenLink | null = null;

  function check(record: AuditRecord): string | null {
    if (hash(canonicalAuditRecord(record)) !== record.hash) {
      return `record ${record.seq} was edited: its hash does not match its content`;
    }
    const previousSeq = last?.seq ?? 0;
    const previousHash = last?.hash ?? GENESIS_HASH;
    const previous = last ? `record ${last.seq}` : 'the start of the log';
    if (record.seq <= previousSeq) {
      return `record ${record.seq} repeats or goes back: it comes after record ${previousSeq}`;
    }
    if (record.seq > previousSeq + 1) {
      const missing = range(previousSeq + 1, record.seq - 1);
      return record.prevHash === previousHash
        ? `record ${record.seq} follows ${previous} but its seq skips ${missing}`
        : `${missing} ${previousSeq + 1 === record.seq - 1 ? 'was' : 'were'} removed: record ${record.seq}'s prev_hash does not match the hash of ${previous}`;
    }
    if (record.prevHash !== previousHash) {
      return `record ${record.seq}'s prev_hash does not match the hash of ${previous}: a record was removed, inserted or replaced before it`;
    }
    return null;
  }

  return {
    feed(record) {
      if (firstBroken) return false;
      const problem = check(record);
      if (problem !== null) {
        firstBroken = { seq: record.seq, problem };
        return false;
      }
      checked++;
      last = { seq: record.seq, hash: record.hash };
      return true;
    },
    get lastSeq() {
      return last?.seq ?? 0;
    },
    get broken() {
      return firstBroken !== null;
    },
    finish(head) {
      if (firstBroken) return { ok: false, checked, firstBroken };
      const lastSeq = last?.seq ?? 0;
      const broken = (seq: number, problem: string): ChainVerdict => ({ ok: false, checked, firstBroken: { seq, problem } });
      if (head === null || head.seq === 0) {
        if (last === null) return { ok: true, checked, head: null };
        return broken(last.seq, `the audit head is missing: the log holds records up to ${last.seq} but nothing records where it ends`);
      }
      if (head.seq > lastSeq) {
        return broken(lastSeq + 1, `the tail was cut off: the head names record ${head.seq} but the log ends ${last ? `at record ${lastSeq}` : 'before its first record'} (${range(lastSeq + 1, head.seq)} missing)`);
      }
      if (head.seq < lastSeq) {
        return broken(head.seq + 1, `${range(head.seq + 1, lastSeq)} ${head.seq + 1 === lastSeq ? 'is' : 'are'} past the head (record ${head.seq}): appended without updating the head`);
      }
      if (head.hash !== last!.hash) {
        return broken(head.seq, `the head's hash differs from record ${head.seq}'s hash: the head or the last record was replaced`);
      }
      return { ok: true, checked, head: { seq: head.seq, hash: head.hash } };
    },
  };
}

/** Checks a whole chain held in memory (records in seq order); see createChainVerifier for logs read page by page. */
export function verifyChain(records: Iterable<AuditRecord>, head: AuditHead | null, hash: AuditHashFunction): ChainVerdict {
  const verifier = createChainVerifier(hash);
  for (const record of records) if (!verifier.feed(record)) break;
  return verifier.finish(head);
}
