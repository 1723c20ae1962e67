import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFirstAdminToken } from '../../src/app/api-tokens.js';
import type { AppDeps } from '../../src/app/app-deps.js';
import { main } from '../../src/cli/main.js';
import { EXIT_CODES } from '../../src/cli/exit-codes.js';
import { changeText } from '../../src/cli/commands/audit.js';
import { createIdSource, systemClock } from '../../src/main/system-clock.js';
import { API_PREFIX } from '../../src/protocol/api.js';
import { installAuditLog } from '../../src/server/audit-hook.js';
import { installBearerAuth } from '../../src/server/auth.js';
import { AuthThrottle } from '../../src/server/auth-throttle.js';
import { installProblemHandlers } from '../../src/server/problem.js';
import { auditRoutes } from '../../src/server/routes/audit.js';
import { windowRoutes } from '../../src/server/routes/windows.js';
import type { ServerContext } from '../../src/server/server-context.js';
import { readAuditHead } from '../../src/store/audit.repository.js';
import type { StoreDatabase } from '../../src/store/database.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { startTestGantry } from '../support/gantry-server.js';
import { captureIo } from './fake-server.js';

/** The CLI in this process against a server with the real auth and audit hooks and routes, on SQLite. */
describe('gantry audit', () => {
  let database: TestDatabase;
  let store: StoreDatabase;
  let app: FastifyInstance;
  let url: string;
  let token: string;
  let dir: string;

  async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    const io = captureIo();
    const code = await main(['node', 'gantry', ...args], { ...io, cwd: dir, env: { GANTRY_URL: url, GANTRY_TOKEN: token } });
    return { code, out: io.out(), err: io.err() };
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gantry-audit-cli-'));
    database = await createTestDatabase('sqlite');
    store = await database.open();
    const deps = { db: store.db, clock: systemClock, ids: createIdSource(systemClock) } as unknown as AppDeps;
    token = (await createFirstAdminToken(deps))!;
    app = Fastify({ logger: false });
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    installProblemHandlers(app);
    installBearerAuth(app, deps, new AuthThrottle({ limit: 1000, windowMs: 60_000, maxAddresses: 100, now: Date.now }));
    installAuditLog(app, deps);
    const context = { app: deps } as unknown as ServerContext;
    await app.register(
      async (api) => {
        await api.register(windowRoutes(context));
        await api.register(auditRoutes(context));
      },
      { prefix: API_PREFIX },
    );
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    for (const name of ['weekly', 'nightly']) {
      expect((await cli('window', 'add', name, '--kind', 'maintenance', '--cron', '0 22 * * 6', '--duration', '4h', '--tz', 'UTC')).code).toBe(0);
    }
    // Both requests' `status` records are written after their responses.
    for (let attempt = 0; attempt < 200 && (await readAuditHead(store.db))?.seq !== 4; attempt++) await new Promise((resolve) => setTimeout(resolve, 10));
  });
  afterAll(async () => {
    await app?.close();
    await store?.close();
    await database?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists the records as a table and as JSON', async () => {
    const listed = await cli('audit', 'list');
    expect(listed.code).toBe(0);
    const lines = listed.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SEQ\s+AT\s+ACTOR\s+ACTION\s+RESOURCE\s+OUTCOME\s+CHANGE$/);
    expect(lines).toHaveLength(5);
    expect(lines[1]).toMatch(/^1\s+\S+Z\s+admin\s+POST \/api\/v1\/windows\s+\/api\/v1\/windows\s+attempted\s*$/);
    // The status record of a create says so; its JSON holds the summary after it.
    expect(lines[2]).toMatch(/status 201\s+created$/);

    const page = JSON.parse((await cli('audit', 'list', '--after', '2', '--limit', '1', '--json')).out) as { records: { seq: number }[] };
    expect(page.records.map((record) => record.seq)).toEqual([3]);
    expect((await cli('audit', 'list', '--limit', '0')).code).toBe(EXIT_CODES.invalid);

    // Newest first, filtered by what was done, in the server.
    const latest = JSON.parse((await cli('audit', 'list', '--newest-first', '--limit', '2', '--json')).out) as { records: { seq: number }[] };
    expect(latest.records.map((record) => record.seq)).toEqual([4, 3]);
    const outcomes = JSON.parse((await cli('audit', 'list', '--action', 'POST /api/v1/windows', '--before', '3', '--json')).out) as { records: { seq: number; action: string }[] };
    expect(outcomes.records.map((record) => [record.seq, record.action])).toEqual([
      [1, 'POST /api/v1/windows'],
      [2, 'POST /api/v1/windows'],
    ]);
    const badTime = await cli('audit', 'list', '--from', 'yesterday');
    expect(badTime.code).toBe(EXIT_CODES.invalid);
    expect(badTime.err).toContain('from');
  });

  it('shows what a change did in a word or the fields that differ, bounded', () => {
    expect(changeText({ params: {} })).toBe('');
    expect(changeText({ change: { before: null, after: { name: 'w' } } })).toBe('created');
    expect(changeText({ change: { before: { name: 'w' }, after: null } })).toBe('removed');
    expect(changeText({ change: { before: { id: 'tok-1', revoked: false }, after: { id: 'tok-1', revoked: true } } })).toBe('revoked: false → true');
    expect(changeText({ change: { before: { state: 'draft', title: 'a' }, after: { state: 'submitted', title: 'a' } } })).toBe('state: "draft" → "submitted"');
    expect(changeText({ change: { before: { n: 1 }, after: { n: 1 } } })).toBe('unchanged');
    expect(changeText({ change: { before: { text: 'a'.repeat(300) }, after: { text: 'b' } } })).toHaveLength(121);
  });

  it('exports NDJSON to stdout or a file', async () => {
    const exported = await cli('audit', 'export');
    expect(exported.code).toBe(0);
    expect(exported.out.trimEnd().split('\n').map((line) => (JSON.parse(line) as { seq: number }).seq)).toEqual([1, 2, 3, 4]);

    const toFile = await cli('audit', 'export', '--output', 'audit.ndjson');
    expect(toFile.code).toBe(0);
    expect(toFile.err).toContain('wrote 4 audit records to');
    expect(readFileSync(join(dir, 'audit.ndjson'), 'utf8')).toBe(exported.out);
  });

  it('verify says the log is intact and exits 0, or names the first broken record and exits 1', async () => {
    const head = (await readAuditHead(store.db))!;
    const intact = await cli('audit', 'verify');
    expect(intact).toEqual({ code: EXIT_CODES.ok, out: `audit log intact: 4 records, head ${head.seq} ${head.hash}\n`, err: '' });

    // Someone with database access drops the trigger and edits a record.
    await sql`drop trigger audit_log_no_update`.execute(store.db);
    await sql`update audit_log set actor = 'someone-else' where seq = 2`.execute(store.db);
    const broken = await cli('audit', 'verify');
    expect(broken).toEqual({ code: EXIT_CODES.failed, out: 'audit log broken at record 2: record 2 was edited: its hash does not match its content\n', err: '' });
    expect(JSON.parse((await cli('audit', 'verify', '--json')).out)).toMatchObject({ ok: false, checked: 1, firstBroken: { seq: 2 } });
  });
});

describe('gantry audit against a full server', () => {
  it('shows the records of a change made through the CLI, and the log verifies', async () => {
    const gantry = await startTestGantry();
    const dir = mkdtempSync(join(tmpdir(), 'gantry-audit-full-'));
    const cli = async (...args: string[]) => {
      const io = captureIo();
      const code = await main(['node', 'gantry', ...args], { ...io, cwd: dir, env: { GANTRY_URL: gantry.url, GANTRY_TOKEN: gantry.token } });
      return { code, out: io.out(), err: io.err() };
    };
    try {
      expect((await cli('window', 'add', 'weekly', '--kind', 'freeze', '--start', '2030-01-01T00:00:00Z', '--end', '2030-01-02T00:00:00Z')).code).toBe(0);
      let records: { actor: string; action: string; outcome: string }[] = [];
      for (let attempt = 0; attempt < 200 && records.length < 2; attempt++) {
        records = (JSON.parse((await cli('audit', 'list', '--json')).out) as { records: typeof records }).records.filter((record) => record.action === 'POST /api/v1/windows');
        if (records.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(records).toEqual([
        expect.objectContaining({ actor: 'admin', action: 'POST /api/v1/windows', outcome: 'attempted' }),
        expect.objectContaining({ actor: 'admin', action: 'POST /api/v1/windows', outcome: 'status 201' }),
      ]);
      const verified = await cli('audit', 'verify');
      expect(verified.code).toBe(EXIT_CODES.ok);
      expect(verified.out).toMatch(/^audit log intact: \d+ records, head \d+ [0-9a-f]{64}\n$/);
    } finally {
      await gantry.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
