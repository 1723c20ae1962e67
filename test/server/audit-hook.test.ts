import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFirstAdminToken } from '../../src/app/api-tokens.js';
import type { AppDeps } from '../../src/app/app-deps.js';
import { verifyAuditLog } from '../../src/app/audit.js';
import type { AuditRecord } from '../../src/core/audit/audit-chain.js';
import { createIdSource, systemClock } from '../../src/main/system-clock.js';
import { API_PREFIX } from '../../src/protocol/api.js';
import { installAccessControl } from '../../src/server/access.js';
import { installAuditLog } from '../../src/server/audit-hook.js';
import { installBearerAuth } from '../../src/server/auth.js';
import { AuthThrottle } from '../../src/server/auth-throttle.js';
import { installProblemHandlers } from '../../src/server/problem.js';
import { auditRoutes } from '../../src/server/routes/audit.js';
import { tokenRoutes } from '../../src/server/routes/tokens.js';
import { windowRoutes } from '../../src/server/routes/windows.js';
import type { ServerContext } from '../../src/server/server-context.js';
import { listAuditRecords } from '../../src/store/audit.repository.js';
import type { StoreDatabase } from '../../src/store/database.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';

const WINDOW = { name: 'weekly', kind: 'maintenance', cron: '0 22 * * 6', duration: '4h', timeZone: 'Europe/Berlin' };

/** Refusals audited per caller here: few, so that a flood is quick to show. */
const REFUSALS_PER_CALLER = 3;

/**
 * A server with the real auth, access and audit hooks, the window, token and audit routes, on a
 * real store; its clock can be moved on (`shift`) to start a new window of the refusal budget.
 */
async function buildAuditedServer(store: StoreDatabase): Promise<{ app: FastifyInstance; deps: AppDeps; token: string; shift: (ms: number) => void }> {
  let shiftMs = 0;
  const clock = { ...systemClock, now: () => new Date(Date.now() + shiftMs) };
  const deps = { db: store.db, clock, ids: createIdSource(systemClock) } as unknown as AppDeps;
  const token = (await createFirstAdminToken(deps))!;
  const app = Fastify({ logger: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installProblemHandlers(app);
  installBearerAuth(app, deps, new AuthThrottle({ limit: 1000, windowMs: 60_000, maxAddresses: 100, now: Date.now }));
  installAccessControl(app);
  installAuditLog(app, deps, { perCaller: REFUSALS_PER_CALLER, total: 1000, windowMs: 3_600_000, maxCallers: 100 });
  await app.register(fastifySwagger, { openapi: { info: { title: 'Gantry API', version: 'test' } }, transform: jsonSchemaTransform });
  const context = { app: deps } as unknown as ServerContext;
  await app.register(
    async (api) => {
      await api.register(windowRoutes(context));
      await api.register(auditRoutes(context));
      await api.register(tokenRoutes(context));
    },
    { prefix: API_PREFIX },
  );
  await app.ready();
  return { app, deps, token, shift: (ms) => (shiftMs += ms) };
}

for (const dialect of DIALECTS) {
  describe(`auditing API requests on ${dialect}`, () => {
    let database: TestDatabase;
    let store: StoreDatabase;
    let app: FastifyInstance;
    let deps: AppDeps;
    let token: string;
    let shift: (ms: number) => void;
    let seen = 0;

    /** The records written since the last call; the `status` record is written after the response, so wait for it. */
    async function newRecords(count: number): Promise<AuditRecord[]> {
      for (let attempt = 0; attempt < 200; attempt++) {
        const records = await listAuditRecords(store.db, { afterSeq: seen, limit: 100 });
        if (records.length >= count) {
          seen = records.at(-1)!.seq;
          return records;
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error(`expected ${count} new audit records`);
    }

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      store = await database.open();
      ({ app, deps, token, shift } = await buildAuditedServer(store));
    });
    afterAll(async () => {
      await app?.close();
      await store?.close();
      await database?.drop();
    });

    it('records an attempted and a status record of a mutating request, with its actor and route', async () => {
      const created = await app.inject({ method: 'POST', url: '/api/v1/windows?note=x', headers: { authorization: `Bearer ${token}` }, payload: WINDOW });
      expect(created.statusCode).toBe(201);
      const records = await newRecords(2);
      // The attempted record sees the validated body (defaults filled in: scope).
      expect(records).toEqual([
        expect.objectContaining({ seq: 1, actor: 'admin', action: 'POST /api/v1/windows', resource: '/api/v1/windows', address: '127.0.0.1', outcome: 'attempted', details: { params: {}, bodyFields: ['cron', 'duration', 'kind', 'name', 'scope', 'timeZone'] } }),
        expect.objectContaining({ seq: 2, actor: 'admin', action: 'POST /api/v1/windows', outcome: 'status 201' }),
      ]);
      // The status record summarises the resource before (absent) and after.
      expect(records[1]!.details).toMatchObject({ change: { before: null, after: { name: 'weekly', kind: 'maintenance', cron: '0 22 * * 6', duration: '4h', timeZone: 'Europe/Berlin' } } });

      const removed = await app.inject({ method: 'DELETE', url: '/api/v1/windows/weekly', headers: { authorization: `Bearer ${token}` } });
      expect(removed.statusCode).toBe(204);
      expect(await newRecords(2)).toEqual([
        expect.objectContaining({ action: 'DELETE /api/v1/windows/:name', resource: '/api/v1/windows/weekly', outcome: 'attempted', details: { params: { name: 'weekly' }, bodyFields: [] } }),
        expect.objectContaining({ action: 'DELETE /api/v1/windows/:name', outcome: 'status 204', details: expect.objectContaining({ change: { before: expect.objectContaining({ name: 'weekly' }), after: null } }) }),
      ]);

      // Reads are not audited.
      expect((await app.inject({ method: 'GET', url: '/api/v1/windows', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
      expect(await listAuditRecords(store.db, { afterSeq: seen, limit: 10 })).toEqual([]);
    });

    it('records a refused request (401, 400) with only its status, as anonymous when unauthenticated', async () => {
      const refused = await app.inject({ method: 'POST', url: '/api/v1/windows', headers: { authorization: 'Bearer gantry_guessed-secret-value' }, payload: WINDOW });
      expect(refused.statusCode).toBe(401);
      expect(await newRecords(1)).toEqual([expect.objectContaining({ actor: 'anonymous', action: 'POST /api/v1/windows', outcome: 'status 401' })]);

      const invalid = await app.inject({ method: 'POST', url: '/api/v1/windows', headers: { authorization: `Bearer ${token}` }, payload: { ...WINDOW, name: 'other', password: 'hunter2-do-not-store' } });
      expect(invalid.statusCode).toBe(400);
      const [record] = await newRecords(1);
      expect(record).toMatchObject({ actor: 'admin', outcome: 'status 400', details: { bodyFields: ['cron', 'duration', 'kind', 'name', 'password', 'timeZone'] } });
      // Nothing changed: no summary.
      expect(record!.details).not.toHaveProperty('change');
    });

    it('stores no token, password or body value outside the summaries anywhere', async () => {
      const feed = await app.inject({ method: 'POST', url: '/api/v1/calendar/feed-token', headers: { authorization: `Bearer ${token}` } });
      expect(feed.statusCode).toBe(201);
      const feedToken = (feed.json() as { token: string }).token;
      await newRecords(2);
      // A minted token is summarised by its id, label and role: never its text.
      const minted = await app.inject({ method: 'POST', url: '/api/v1/tokens', headers: { authorization: `Bearer ${token}` }, payload: { user: 'ci-bot', label: 'ci' } });
      expect(minted.statusCode).toBe(201);
      const mintedToken = minted.json() as { id: string; token: string };
      const [, mintedRecord] = await newRecords(2);
      expect(mintedRecord!.details).toMatchObject({ change: { before: null, after: { id: mintedToken.id, label: 'ci', user: 'ci-bot', scope: 'api', roles: 'viewer on */*', revoked: false } } });
      const rows = await store.db.selectFrom('audit_log').selectAll().execute();
      const stored = JSON.stringify(rows);
      for (const secret of [token, feedToken, mintedToken.token, 'gantry_guessed-secret-value', 'hunter2-do-not-store', 'note=x']) expect(stored).not.toContain(secret);
      expect(await verifyAuditLog(deps)).toMatchObject({ ok: true, checked: rows.length });
    });

    it('fails the request with 503 and does not act when its audit record cannot be written', async () => {
      await sql`alter table audit_log rename to audit_gone`.execute(store.db);
      try {
        const response = await app.inject({ method: 'POST', url: '/api/v1/windows', headers: { authorization: `Bearer ${token}` }, payload: WINDOW });
        expect(response.statusCode).toBe(503);
        expect(response.headers['content-type']).toContain('application/problem+json');
        expect(response.json()).toMatchObject({ code: 'STORE_UNAVAILABLE', detail: expect.stringContaining('audit log cannot be written') });
        const windows = await app.inject({ method: 'GET', url: '/api/v1/windows', headers: { authorization: `Bearer ${token}` } });
        expect((windows.json() as { windows: unknown[] }).windows).toEqual([]);
      } finally {
        await sql`alter table audit_gone rename to audit_log`.execute(store.db);
      }
      expect(await verifyAuditLog(deps)).toMatchObject({ ok: true });
    });

    it('serves the log, its verification and its NDJSON export', async () => {
      const auth = { authorization: `Bearer ${token}` };
      const page = await app.inject({ method: 'GET', url: '/api/v1/audit?after=1&limit=2', headers: auth });
      expect(page.statusCode).toBe(200);
      expect((page.json() as { records: { seq: number }[] }).records.map((record) => record.seq)).toEqual([2, 3]);

      const verified = await app.inject({ method: 'GET', url: '/api/v1/audit/verify', headers: auth });
      // At least what the tests above saw (the 503 request's status record may have been written late).
      const { head } = verified.json() as { ok: boolean; head: { seq: number; hash: string } };
      expect(verified.json()).toMatchObject({ ok: true });
      expect(head.seq).toBeGreaterThanOrEqual(seen);

      const exported = await app.inject({ method: 'GET', url: '/api/v1/audit/export', headers: auth });
      expect(exported.headers['content-type']).toContain('application/x-ndjson');
      const lines = exported.body.trimEnd().split('\n').map((line) => JSON.parse(line) as { seq: number; hash: string });
      // Gap-free from 1, through the verified head (a late status record may follow it).
      expect(lines.length).toBeGreaterThanOrEqual(head.seq);
      expect(lines.map((line) => line.seq)).toEqual(Array.from({ length: lines.length }, (_, i) => i + 1));
      expect(lines[head.seq - 1]!.hash).toBe(head.hash);

      expect((await app.inject({ method: 'GET', url: '/api/v1/audit/verify' })).statusCode).toBe(401);
    });

    it('pages the log newest first and backwards, filtered by actor, action and time; refuses a bad query', async () => {
      const auth = { authorization: `Bearer ${token}` };
      const get = async (query: string) => {
        const response = await app.inject({ method: 'GET', url: `/api/v1/audit?${query}`, headers: auth });
        expect(response.statusCode, response.body).toBe(200);
        return (response.json() as { records: AuditRecord[] }).records;
      };
      // What the tests above wrote (a late status record may still arrive: every query is bounded by `before`).
      const all = await listAuditRecords(store.db, { afterSeq: 0, limit: 1000 });
      expect(all.length).toBeGreaterThanOrEqual(6);
      const bound = `before=${all.at(-1)!.seq + 1}`;
      const seqsOf = (records: AuditRecord[]) => records.map((record) => record.seq);
      const expected = (keep: (record: AuditRecord) => boolean, desc = false) => {
        const seqs = seqsOf(all.filter(keep));
        return desc ? seqs.reverse() : seqs;
      };

      expect(seqsOf(await get(`${bound}&order=desc&limit=3`))).toEqual(expected(() => true, true).slice(0, 3));
      expect(seqsOf(await get('before=4&order=desc'))).toEqual([3, 2, 1]);
      expect(seqsOf(await get('before=4&order=desc&limit=2'))).toEqual([3, 2]);
      expect(seqsOf(await get('before=4'))).toEqual([1, 2, 3]);
      expect(seqsOf(await get('after=1&before=4&order=asc'))).toEqual([2, 3]);
      expect((await get('order=desc&limit=1'))[0]!.seq).toBeGreaterThanOrEqual(all.at(-1)!.seq);

      expect(seqsOf(await get(`${bound}&actor=anonymous`))).toEqual(expected((record) => record.actor === 'anonymous'));
      expect(expected((record) => record.actor === 'anonymous')).not.toEqual([]);
      expect(await get('actor=anon')).toEqual([]);
      const action = 'DELETE /api/v1/windows/:name';
      expect(seqsOf(await get(`${bound}&order=desc&action=${encodeURIComponent(action)}`))).toEqual(expected((record) => record.action === action, true));
      expect(expected((record) => record.action === action)).toHaveLength(2);

      const from = all[1]!.at;
      const until = all[4]!.at;
      const inRange = (record: AuditRecord) => record.at >= from && record.at < until;
      expect(seqsOf(await get(`${bound}&from=${encodeURIComponent(from)}&until=${encodeURIComponent(until)}`))).toEqual(expected(inRange));
      expect(seqsOf(await get(`${bound}&order=desc&actor=admin&from=${encodeURIComponent(from)}`))).toEqual(expected((record) => record.actor === 'admin' && record.at >= from, true));

      for (const [query, where] of [
        ['from=yesterday', 'querystring.from'],
        ['until=2026-11-27T09:00', 'querystring.until'],
        ['order=sideways', 'querystring.order'],
        ['before=0', 'querystring.before'],
        ['actor=', 'querystring.actor'],
        ['actor=a%00b', 'querystring.actor'],
        ['sort=seq', 'querystring'],
      ] as const) {
        const refused = await app.inject({ method: 'GET', url: `/api/v1/audit?${query}`, headers: auth });
        expect(refused.statusCode, query).toBe(400);
        expect(refused.json(), query).toMatchObject({ code: 'REQUEST_INVALID', where });
      }
      expect((await app.inject({ method: 'GET', url: '/api/v1/audit?from=yesterday', headers: auth })).json()).toMatchObject({ detail: expect.stringContaining('from') });
    });

    it('describes the audit routes in the OpenAPI document', () => {
      const paths = (app.swagger() as { paths: Record<string, Record<string, unknown>> }).paths;
      expect(Object.keys(paths)).toEqual(expect.arrayContaining(['/api/v1/audit', '/api/v1/audit/verify', '/api/v1/audit/export']));
      expect(JSON.stringify(paths['/api/v1/audit/verify'])).toContain('firstBroken');
    });

    it('audits a refused read with its caller, address and route, a bounded number of times per caller', async () => {
      // The tests above left records unread (they read the log through the API).
      seen = (await listAuditRecords(store.db, { afterSeq: 0, order: 'desc', limit: 1 }))[0]!.seq;
      const minted = await app.inject({ method: 'POST', url: '/api/v1/tokens', headers: { authorization: `Bearer ${token}` }, payload: { user: 'prober', label: 'probe' } });
      const viewer = minted.json() as { id: string; token: string };
      await newRecords(2);
      const probe = () => app.inject({ method: 'GET', url: '/api/v1/tokens?all=1', headers: { authorization: `Bearer ${viewer.token}` } });
      const refusal = expect.objectContaining({ actor: 'prober', action: 'GET /api/v1/tokens', resource: '/api/v1/tokens', address: '127.0.0.1', outcome: 'status 403' });
      for (let attempt = 0; attempt < REFUSALS_PER_CALLER; attempt++) {
        expect((await probe()).statusCode).toBe(403);
        expect(await newRecords(1)).toEqual([refusal]);
      }
      // Over the budget: counted, not recorded …
      expect((await probe()).statusCode).toBe(403);
      expect((await probe()).statusCode).toBe(403);
      // … and told with the caller's next record, in the next window.
      shift(3_600_000);
      expect((await probe()).statusCode).toBe(403);
      const [told] = await newRecords(1);
      expect(told).toEqual(refusal);
      expect(told!.details).toMatchObject({ unrecordedRefusals: 2 });

      // Revoking the token is summarised before → after.
      expect((await app.inject({ method: 'DELETE', url: `/api/v1/tokens/${viewer.id}`, headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(204);
      const [, revoked] = await newRecords(2);
      expect(revoked).toMatchObject({ action: 'DELETE /api/v1/tokens/:id', outcome: 'status 204', details: { change: { before: { id: viewer.id, revoked: false }, after: { id: viewer.id, revoked: true } } } });
      expect(await verifyAuditLog(deps)).toMatchObject({ ok: true });
    });
  });
}
