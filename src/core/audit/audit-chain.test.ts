import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalAuditRecord, chainAuditRecord, createChainVerifier, GENESIS_HASH, verifyChain, type AuditHead, type AuditRecord } from './audit-chain.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function chain(length: number): AuditRecord[] {
  const records: AuditRecord[] = [];
  for (let i = 1; i <= length; i++) {
    const head = records.at(-1) ?? null;
    records.push(
      chainAuditRecord(
        { at: `2026-01-01T00:00:0${i % 10}.000Z`, actor: 'alice', action: 'POST /api/v1/windows', resource: '/api/v1/windows', address: '127.0.0.1', outcome: i % 2 ? 'attempted' : 'status 201', details: { params: {}, bodyFields: ['kind', 'name'] } },
        head,
        sha256,
      ),
    );
  }
  return records;
}

const headOf = (records: readonly AuditRecord[]): AuditHead => ({ seq: records.at(-1)!.seq, hash: records.at(-1)!.hash });

describe('the audit chain', () => {
  it('serialises a record as a JSON array in a fixed order, details with sorted keys', () => {
    const text = canonicalAuditRecord({ seq: 1, at: 'T', actor: 'a', action: 'b', resource: 'c', address: null, outcome: 'attempted', details: { z: 1, a: { y: 2, b: 3 } }, prevHash: GENESIS_HASH });
    expect(text).toBe(`[1,"T","a","b","c",null,"attempted",{"a":{"b":3,"y":2},"z":1},"${'0'.repeat(64)}"]`);
  });

  it('links each record to the one before, starting from 64 zeros', () => {
    const records = chain(3);
    expect(records.map((record) => record.seq)).toEqual([1, 2, 3]);
    expect(records[0]!.prevHash).toBe(GENESIS_HASH);
    expect(records[1]!.prevHash).toBe(records[0]!.hash);
    expect(records[2]!.prevHash).toBe(records[1]!.hash);
  });

  it('accepts an intact chain and an empty log', () => {
    const records = chain(5);
    expect(verifyChain(records, headOf(records), sha256)).toEqual({ ok: true, checked: 5, head: headOf(records) });
    expect(verifyChain([], null, sha256)).toEqual({ ok: true, checked: 0, head: null });
  });

  it('names an edited record', () => {
    const records = chain(5);
    records[2] = { ...records[2]!, actor: 'mallory' };
    expect(verifyChain(records, headOf(records), sha256)).toEqual({ ok: false, checked: 2, firstBroken: { seq: 3, problem: 'record 3 was edited: its hash does not match its content' } });
  });

  it('names the record after a removed one', () => {
    const records = chain(5);
    records.splice(2, 1);
    const verdict = verifyChain(records, headOf(records), sha256);
    expect(verdict).toMatchObject({ ok: false, firstBroken: { seq: 4 } });
    expect(verdict.ok || verdict.firstBroken.problem).toBe("record 3 was removed: record 4's prev_hash does not match the hash of record 2");
  });

  it('names a record whose prev hash points elsewhere (one replaced by a re-hashed forgery)', () => {
    const records = chain(4);
    records[2] = chainAuditRecord({ ...records[2]!, actor: 'mallory' }, { seq: 2, hash: 'f'.repeat(64) }, sha256);
    const verdict = verifyChain(records, headOf(records), sha256);
    expect(verdict).toMatchObject({ ok: false, firstBroken: { seq: 3, problem: expect.stringContaining("record 3's prev_hash does not match the hash of record 2") } });
  });

  it('names a repeated seq and a missing first record', () => {
    const records = chain(3);
    expect(verifyChain([records[0]!, records[1]!, records[1]!], headOf(records), sha256)).toMatchObject({ ok: false, firstBroken: { seq: 2, problem: expect.stringContaining('repeats') } });
    expect(verifyChain(records.slice(1), headOf(records), sha256)).toMatchObject({ ok: false, checked: 0, firstBroken: { seq: 2, problem: expect.stringContaining('record 1 was removed') } });
  });

  it('checks the head: a cut tail, a missing head, records past the head, a head with another hash', () => {
    const records = chain(5);
    expect(verifyChain(records.slice(0, 3), headOf(records), sha256)).toMatchObject({ ok: false, checked: 3, firstBroken: { seq: 4, problem: expect.stringContaining('the tail was cut off') } });
    expect(verifyChain([], headOf(records), sha256)).toMatchObject({ ok: false, firstBroken: { seq: 1, problem: expect.stringContaining('records 1–5 missing') } });
    expect(verifyChain(records, null, sha256)).toMatchObject({ ok: false, firstBroken: { seq: 5, problem: expect.stringContaining('the audit head is missing') } });
    expect(verifyChain(records, headOf(records.slice(0, 4)), sha256)).toMatchObject({ ok: false, firstBroken: { seq: 5, problem: expect.stringContaining('past the head') } });
    expect(verifyChain(records, { seq: 5, hash: 'e'.repeat(64) }, sha256)).toMatchObject({ ok: false, firstBroken: { seq: 5, problem: expect.stringContaining("the head's hash differs") } });
  });

  it('verifies page by page, keeping nothing but the last record', () => {
    const records = chain(10);
    const verifier = createChainVerifier(sha256);
    for (let start = 0; start < records.length; start += 3) for (const record of records.slice(start, start + 3)) expect(verifier.feed(record)).toBe(true);
    expect(verifier.lastSeq).toBe(10);
    expect(verifier.finish(headOf(records))).toEqual({ ok: true, checked: 10, head: headOf(records) });

    const stopped = createChainVerifier(sha256);
    expect(stopped.feed({ ...records[0]!, outcome: 'status 200' })).toBe(false);
    expect(stopped.broken).toBe(true);
    expect(stopped.feed(records[1]!)).toBe(false);
    expect(stopped.finish(headOf(records))).toMatchObject({ ok: false, checked: 0, firstBroken: { seq: 1 } });
  });
});
