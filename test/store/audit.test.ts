import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppDeps } from '../../src/app/app-deps.js';
import { exportAudit, listAudit, recordAudit, verifyAuditLog } from '../../src/app/audit.js';
import { GENESIS_HASH, type AuditRecord } from '../../src/core/audit/audit-chain.js';
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

    it('pages newest first and backwards, and filters by actor, action and time (from inclusive, until exclusive)', async () => {
      const start = (await readAuditHead(store.db))!.seq;
      const when = (minute: number) => new Date(Date.UTC(2027, 2, 1, 10, minute)).toISOString();
      // Records 1…6 (after start): carol writes the odd ones, bob the even ones; 1–3 deploy, 4–6 remove windows; one a minute from 10:01.
      for (let n = 1; n <= 6; n++) {
        await appendAuditRecord(store.db, { ...entry(n, n % 2 ? 'carol' : 'bob'), at: when(n), action: n <= 3 ? 'POST /api/v1/deployments' : 'DELETE /api/v1/windows/:name' });
      }
      const deps = depsOf(store.db);
      const seqs = (records: AuditRecord[]) => records.map((record) => record.seq - start);
      const list = (query: Parameters<typeof listAudit>[1]) => listAudit(deps, { after: start, ...query }).then(seqs);

      // Newest first, and the next page back from the smallest seq seen.
      expect(await list({ order: 'desc', limit: 4 })).toEqual([6, 5, 4, 3]);
      expect(await list({ order: 'desc', limit: 4, before: start + 3 })).toEqual([2, 1]);
      expect(seqs(await listAudit(deps, { order: 'desc', limit: 2 }))).toEqual([6, 5]);
      // asc stays as it was; before bounds it too.
      expect(await list({ limit: 2 })).toEqual([1, 2]);
      expect(await list({ before: start + 4 })).toEqual([1, 2, 3]);
      expect(await list({ after: start + 1, before: start + 2 })).toEqual([]);
      expect(seqs(await listAuditRecords(store.db, { afterSeq: start, beforeSeq: start + 5, order: 'desc', limit: 2 }))).toEqual([4, 3]);

      // Exact actor and action; a part is no match.
      expect(await list({ actor: 'bob' })).toEqual([2, 4, 6]);
      expect(await list({ actor: 'bob', order: 'desc', limit: 2 })).toEqual([6, 4]);
      expect(await list({ actor: 'bo' })).toEqual([]);
      expect(await list({ action: 'POST /api/v1/deployments', order: 'desc' })).toEqual([3, 2, 1]);
      expect(await list({ action: 'POST /api/v1/deployments', actor: 'carol' })).toEqual([1, 3]);
      expect(await list({ action: 'post /api/v1/deployments' })).toEqual([]);

      // Time: from inclusive, until exclusive; an offset names the same instant; without `after` too.
      expect(await list({ from: when(2), until: when(4) })).toEqual([2, 3]);
      expect(seqs(await listAudit(deps, { from: '2027-03-01T11:02:00+01:00', until: '2027-03-01T10:04:00.000Z' }))).toEqual([2, 3]);
      // `at` has milliseconds: finer bounds still compare exactly.
      expect(seqs(await listAudit(deps, { from: '2027-03-01T10:05:00.000001Z' }))).toEqual([6]);
      expect(await list({ from: when(4), until: '2027-03-01T10:05:00.0001Z' })).toEqual([4, 5]);
      expect(await list({ from: when(4), until: '2027-03-01T10:05:00.0000Z' })).toEqual([4]);
      expect(seqs(await listAudit(deps, { until: when(1), after: start - 1 }))).toEqual([0]);
      expect(await list({ from: when(2), actor: 'carol', order: 'desc', limit: 1 })).toEqual([5]);
      // Instants an offset pushes past the years 0000–9999 are before or after every record.
      expect(await list({ from: '0000-01-01T00:00:00+23:59', until: '9999-12-31T23:59:59-23:59' })).toEqual([1, 2, 3, 4, 5, 6]);
      expect(await list({ from: '9999-12-31T23:59:59-23:59' })).toEqual([]);
      expect(await list({ until: '0000-01-01T00:00:00+23:59' })).toEqual([]);

      await expect(listAudit(deps, { from: 'yesterday' })).rejects.toMatchObject({ code: 'REQUEST_INVALID', details: { where: 'from' } });
      await expect(listAudit(deps, { until: '2027-02-30T25:00:00Z' })).rejects.toMatchObject({ code: 'REQUEST_INVALID', details: { where: 'until' } });
    });

    it("records within the caller's transaction: the record goes with the action, all or nothing (offline commands)", async () => {
      const head = await readAuditHead(store.db);
      const offline = { actor: 'os:operator', address: 'local', action: 'restore', resource: '-', outcome: 'done', details: { rows: 3 } };
      // The action fails after its record was appended: neither stays.
      await expect(
        store.db.transaction().execute(async (trx) => {
          await recordAudit({ db: trx, clock: depsOf(store.db).clock }, offline);
          throw new Error('the copy failed');
        }),
      ).rejects.toThrow('the copy failed');
      expect(await readAuditHead(store.db)).toEqual(head);
      // It succeeds: the record is the next link, and the chain verifies.
      const written = await store.db.transaction().execute((trx) => recordAudit({ db: trx, clock: depsOf(store.db).clock }, offline));
      expect(written).toMatchObject({ seq: head!.seq + 1, prevHash: head!.hash, actor: 'os:operator', address: 'local' });
      expect(await verifyAuditLog(depsOf(store.db))).toMatchObject({ ok: true, head: { seq: written.seq, hash: written.hash } });
    });
  });
}
