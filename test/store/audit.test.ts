import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppDeps } from '../../src/app/app-deps.js';
import { exportAudit, recordAudit, verifyAuditLog } from '../../src/app/audit.js';
import { GENESIS_HASH } from '../../src/core/audit/audit-chain.js';
import { appendAuditRecord, listAuditRecords, readAuditHead } from '../../src/store/audit.repository.js';
import type { StoreDatabase } from '../../src/store/database.js';
import type { Database } from '../../src/store/schema.js';
import { createTestDatabase, DIALECTS, type Dialect, type TestDatabase } from '../support/databases.js';

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();

function entry(n: number, actor = 'alice') {
  return { at: at(n % 60), actor, action: 'POST /api/v1/windows', resource: '/api/v1/windows', address: '127.0.0.1', outcome: n % 2 ? 'attempted' : 'status 201', details: { params: {}, bodyFields: ['kind', 'name'] } };
}

/** Only what the audit services use. */
function depsOf(db: Kysely<Database>): AppDeps {
  return { db, clock: { now: () => new Date(Date.UTC(2026, 0, 1)), sleep: async () => undefined } } as unknown as AppDeps;
}

/** What someone with database access could do: drop the triggers that keep the log append-only. */
async function dropAppendOnlyTriggers(dialect: Dialect, db: Kysely<Database>): Promise<void> {
  if (dialect === 'postgres') {
    await sql`drop trigger audit_log_append_only on audit_log`.execute(db);
    await sql`drop trigger audit_log_no_truncate on audit_log`.execute(db);
  } else {
    await sql`drop trigger audit_log_no_update`.execute(db);
    await sql`drop trigger audit_log_no_delete`.execute(db);
  }
}

for (const dialect of DIALECTS) {
  describe(`audit log on ${dialect}`, () => {
    let database: TestDatabase;
    let store: StoreDatabase;

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      store = await database.open();
    });
    afterAll(async () => {
      await store?.close();
      await database?.drop();
    });

    it('appends a chain that verifies, page by page', async () => {
      expect(await verifyAuditLog(depsOf(store.db))).toEqual({ ok: true, checked: 0, head: null });
      for (let n = 1; n <= 7; n++) await appendAuditRecord(store.db, entry(n));
      const records = await listAuditRecords(store.db, { afterSeq: 0, limit: 100 });
      expect(records.map((record) => record.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(records[0]).toMatchObject({ actor: 'alice', prevHash: GENESIS_HASH, details: { params: {}, bodyFields: ['kind', 'name'] } });
      expect(records[3]!.prevHash).toBe(records[2]!.hash);
      expect(await readAuditHead(store.db)).toEqual({ seq: 7, hash: records[6]!.hash });
      expect(await verifyAuditLog(depsOf(store.db), 3)).toEqual({ ok: true, checked: 7, head: { seq: 7, hash: records[6]!.hash } });
      expect((await listAuditRecords(store.db, { afterSeq: 5, limit: 1 })).map((record) => record.seq)).toEqual([6]);
      const exported = [];
      for await (const record of exportAudit(depsOf(store.db), 2)) exported.push(record.seq);
      expect(exported).toEqual([1, 2, 3, 4, 5, 6, 7]);
    });

    it('appends inside the caller’s transaction, and not at all when it rolls back', async () => {
      await expect(
        store.db.transaction().execute(async (trx) => {
          await appendAuditRecord(trx, entry(8));
          throw new Error('the action failed');
        }),
      ).rejects.toThrow('the action failed');
      expect((await readAuditHead(store.db))?.seq).toBe(7);
      expect(await verifyAuditLog(depsOf(store.db))).toMatchObject({ ok: true, checked: 7 });
    });

    it('refuses UPDATE and DELETE of audit records (and TRUNCATE on PostgreSQL)', async () => {
      await expect(sql`update audit_log set actor = 'mallory' where seq = 2`.execute(store.db)).rejects.toThrow(/append-only/);
      await expect(sql`delete from audit_log where seq = 2`.execute(store.db)).rejects.toThrow(/append-only/);
      await expect(sql`delete from audit_log`.execute(store.db)).rejects.toThrow(/append-only/);
      if (dialect === 'postgres') await expect(sql`truncate audit_log`.execute(store.db)).rejects.toThrow(/append-only/);
      expect((await listAuditRecords(store.db, { afterSeq: 0, limit: 100 })).map((record) => record.actor)).toEqual(Array(7).fill('alice'));
      expect(await verifyAuditLog(depsOf(store.db))).toMatchObject({ ok: true, checked: 7 });
    });

    it('names the first broken link once the triggers are dropped and records are edited, removed or cut off', async () => {
      await dropAppendOnlyTriggers(dialect, store.db);
      const verify = () => verifyAuditLog(depsOf(store.db), 2);
      const original = await store.db.selectFrom('audit_log').selectAll().orderBy('seq').execute();
      const restore = async (seqs: number[]) => {
        await store.db.deleteFrom('audit_log').where('seq', 'in', seqs).execute();
        await store.db.insertInto('audit_log').values(original.filter((row) => seqs.includes(Number(row.seq)))).execute();
      };

      // An edited actor in the middle.
      await sql`update audit_log set actor = 'mallory' where seq = 4`.execute(store.db);
      expect(await verify()).toEqual({ ok: false, checked: 3, firstBroken: { seq: 4, problem: 'record 4 was edited: its hash does not match its content' } });
      await restore([4]);
      expect(await verify()).toMatchObject({ ok: true, checked: 7 });

      // Details that no longer parse are an edit too, not a crash.
      await sql`update audit_log set details_json = '{not json' where seq = 2`.execute(store.db);
      expect(await verify()).toMatchObject({ ok: false, firstBroken: { seq: 2, problem: expect.stringContaining('edited') } });
      await restore([2]);

      // A record removed from the middle: the next one no longer follows.
      await sql`delete from audit_log where seq = 3`.execute(store.db);
      expect(await verify()).toEqual({ ok: false, checked: 2, firstBroken: { seq: 4, problem: "record 3 was removed: record 4's prev_hash does not match the hash of record 2" } });
      await restore([3]);

      // The last two records cut off: only the head shows it.
      await sql`delete from audit_log where seq >= 6`.execute(store.db);
      expect(await verify()).toMatchObject({ ok: false, checked: 5, firstBroken: { seq: 6, problem: expect.stringContaining('the tail was cut off: the head names record 7 but the log ends at record 5') } });
      await restore([6, 7]);

      // The head removed as well: records without a head.
      const head = await readAuditHead(store.db);
      await sql`delete from audit_head`.execute(store.db);
      expect(await verify()).toMatchObject({ ok: false, firstBroken: { seq: 7, problem: expect.stringContaining('the audit head is missing') } });
      await store.db.insertInto('audit_head').values({ id: 1, seq: head!.seq, hash: head!.hash }).execute();
      expect(await verify()).toMatchObject({ ok: true, checked: 7 });
    });

    it('keeps a gap-free valid chain under 50 concurrent appends', async () => {
      const before = (await readAuditHead(store.db))!.seq;
      const appended = await Promise.all(Array.from({ length: 50 }, (_, i) => recordAudit(depsOf(store.db), { ...entry(i, `user-${i}`) })));
      expect(appended.map((record) => record.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => before + i + 1));
      const records = await listAuditRecords(store.db, { afterSeq: before, limit: 100 });
      expect(records.map((record) => record.seq)).toEqual(Array.from({ length: 50 }, (_, i) => before + i + 1));
      expect(new Set(records.map((record) => record.actor)).size).toBe(50);
      expect(await verifyAuditLog(depsOf(store.db), 16)).toMatchObject({ ok: true, checked: before + 50, head: { seq: before + 50 } });
    });
  });
}
