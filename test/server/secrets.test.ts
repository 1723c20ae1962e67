import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretSource } from '../../src/app/secrets.js';
import { main } from '../../src/cli/main.js';
import { loadMasterKey } from '../../src/config/master-key.js';
import { loadServerConfig } from '../../src/config/server-config.js';
import { isGantryError } from '../../src/core/errors.js';
import { startGantry, type RunningGantry } from '../../src/main/serve.js';
import type { ProblemDto } from '../../src/protocol/api.js';
import type { CreatedTokenDto } from '../../src/protocol/tokens-api.js';
import { openDatabase } from '../../src/store/database.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';
import { httpApi } from '../support/http-api.js';
import { makeBuildDir } from '../support/release-dirs.js';

/**
 * Secrets end to end (issue 6, T38): write-only through the API and the CLI, absent from every
 * response, the audit log and the server log, absent at rest (SQLite file and WAL, PostgreSQL,
 * artifact store), scoped like releases, and a wrong master key fails closed.
 */
const manifest = (app: string) => `app: ${app}
environments:
  - { name: staging, targets: { role: web } }
  - { name: production, targets: { role: web } }
strategy: { type: allAtOnce }
`;

/** The forms of a value someone scanning storage could find. */
function formsOf(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  return [value, bytes.toString('base64'), bytes.toString('base64').replace(/=+$/, ''), bytes.toString('base64url'), bytes.toString('hex'), encodeURIComponent(value)];
}

function expectNowhere(haystack: Buffer | string, values: readonly string[], where: string): void {
  const text = Buffer.isBuffer(haystack) ? haystack.toString('latin1') : haystack;
  for (const value of values) {
    for (const form of formsOf(value)) {
      const needle = Buffer.isBuffer(haystack) ? Buffer.from(form, 'utf8').toString('latin1') : form;
      expect(text.includes(needle), `${where} contains a form of a secret (${form.slice(0, 6)}…)`).toBe(false);
    }
  }
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((entry) => join(dir, entry)).filter((path) => statSync(path).isFile());
}

function capture(): { sink: Writable; text: () => string } {
  const lines: string[] = [];
  return {
    sink: new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    }),
    text: () => lines.join(''),
  };
}

function writeKeyFile(dir: string, name: string): string {
  const path = join(dir, name);
  writeFileSync(path, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  return path;
}

async function startFailure(start: () => Promise<RunningGantry>): Promise<Error> {
  try {
    const gantry = await start();
    await gantry.close();
  } catch (error) {
    return error as Error;
  }
  throw new Error('the server started');
}

for (const dialect of DIALECTS) {
  describe(`secrets through the API and the CLI on ${dialect}`, () => {
    const VALUE = `zq-${randomBytes(9).toString('hex')}-Sécret/+=`;
    const CLI_VALUE = `cli-${randomBytes(9).toString('hex')}`;
    let database: TestDatabase;
    let dataDir: string;
    let keysDir: string;
    let gantry: RunningGantry;
    let admin: ReturnType<typeof httpApi>;
    const log = capture();
    const env = (extra: Record<string, string> = {}) => ({ GANTRY_LEASE_MS: '3000', GANTRY_HEARTBEAT_MS: '500', ...(database.postgresUrl ? { GANTRY_DATABASE_URL: database.postgresUrl } : {}), ...extra });
    const start = (extra: Record<string, string> = {}, logger = pino({ level: 'silent' })) =>
      startGantry(loadServerConfig({ dataDir, listen: '127.0.0.1:0' }, env(extra)), { logger, engine: { pollMs: 100 } });
    const valuesFor = async (keyFile: string | undefined, app: string, environment: string) => {
      const store = openDatabase(database.postgresUrl ? { postgresUrl: database.postgresUrl } : { sqlitePath: join(dataDir, 'gantry.db') });
      try {
        const { keyring } = await loadMasterKey({ dataDir, keyFile, createIfMissing: false });
        return Object.fromEntries(await createSecretSource({ db: store.db, keyring, clock: { now: () => new Date(), sleep: async () => undefined } }).valuesFor(app, environment));
      } finally {
        await store.close();
      }
    };

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      dataDir = mkdtempSync(join(tmpdir(), 'gantry-secrets-'));
      keysDir = mkdtempSync(join(tmpdir(), 'gantry-keys-'));
      gantry = await start({}, pino({ level: 'trace' }, log.sink));
      admin = httpApi(gantry.url, gantry.adminToken!);
      for (const app of ['shop', 'cart']) await admin.apply(manifest(app));
      await admin.release('shop', '1.0.0', makeBuildDir({ VERSION: '1.0.0' }));
    });
    afterAll(async () => {
      await gantry?.close().catch(() => undefined);
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(keysDir, { recursive: true, force: true });
    });

    it('creates the master key at the first start, mode 0600', () => {
      const path = join(dataDir, 'master.key');
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64')).toHaveLength(32);
    });

    it('is write-only: PUT answers 204 with nothing, GET lists names, no response carries the value', async () => {
      const responses: string[] = [];
      const put = await fetch(`${gantry.url}/api/v1/applications/shop/secrets/DB_PASSWORD`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${gantry.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ value: VALUE }),
      });
      expect(put.status).toBe(204);
      responses.push(await put.text());
      expect((await admin.api('PUT', '/applications/shop/secrets/DB_PASSWORD', { value: VALUE, environment: 'production' })).status).toBe(204);
      const refused = await admin.api<ProblemDto>('PUT', '/applications/shop/secrets/GANTRY_X', { value: VALUE });
      expect(refused.body.code).toBe('REQUEST_INVALID');
      responses.push(JSON.stringify(refused.body));
      responses.push(JSON.stringify((await admin.api<ProblemDto>('PUT', '/applications/shop/secrets/X', { value: VALUE, environment: 'qa' })).body));
      responses.push(JSON.stringify((await admin.api<ProblemDto>('PUT', '/applications/shop/secrets/X', { value: VALUE, extra: VALUE })).body));

      const listed = await admin.api<{ secrets: { name: string; environment: string; updatedAt: string; updatedBy: string }[] }>('GET', '/applications/shop/secrets');
      expect(listed.status).toBe(200);
      expect(listed.body.secrets.map((secret) => `${secret.name}@${secret.environment} by ${secret.updatedBy}`)).toEqual(['DB_PASSWORD@* by admin', 'DB_PASSWORD@production by admin']);
      expect(Object.keys(listed.body.secrets[0]!).sort()).toEqual(['environment', 'name', 'updatedAt', 'updatedBy']);
      // Every resource an admin can GET.
      for (const path of ['/applications/shop/secrets', '/applications', '/applications/shop', '/applications/shop/status', '/applications/shop/releases', '/audit?limit=1000', '/audit/export', '/openapi.json', '/tokens', '/deployments', '/changes', '/targets', '/windows']) {
        const response = await fetch(`${gantry.url}/api/v1${path}`, { headers: { authorization: `Bearer ${gantry.adminToken}` } });
        expect(response.status, path).toBe(200);
        responses.push(await response.text());
      }
      expectNowhere(responses.join('\n'), [VALUE], 'an API response');
      expect(await valuesFor(undefined, 'shop', 'production')).toEqual({ DB_PASSWORD: VALUE });
    });

    it('records the writes in the audit log by field names only', async () => {
      const records = (await admin.api<{ records: { action: string; outcome: string; details: { bodyFields: string[] } }[] }>('GET', '/audit?limit=1000')).body.records;
      const puts = records.filter((record) => record.action === 'PUT /api/v1/applications/:app/secrets/:name');
      expect(puts.map((record) => record.outcome)).toContain('status 204');
      expect(puts[0]!.details.bodyFields).toEqual(['value']);
      expectNowhere(JSON.stringify(records), [VALUE], 'the audit log');
    });

    it('gantry secret set reads the value from stdin; list and remove; the CLI never prints it', async () => {
      const run = async (args: string[], stdin?: Readable) => {
        let out = '';
        let err = '';
        const code = await main(['node', 'gantry', ...args], {
          stdout: { write: (chunk: string) => (out += chunk) },
          stderr: { write: (chunk: string) => (err += chunk) },
          env: { GANTRY_URL: gantry.url, GANTRY_TOKEN: gantry.adminToken! },
          ...(stdin ? { stdin } : {}),
        });
        return { code, out, err };
      };
      const set = await run(['secret', 'set', 'shop', 'CLI_TOKEN', '--env', 'staging'], Readable.from([`${CLI_VALUE}\n`]));
      expect(set).toMatchObject({ code: 0, err: '' });
      expect(set.out).toContain('set secret CLI_TOKEN of shop for environment staging');
      expect(await valuesFor(undefined, 'shop', 'staging')).toEqual({ DB_PASSWORD: VALUE, CLI_TOKEN: CLI_VALUE });
      const empty = await run(['secret', 'set', 'shop', 'EMPTY'], Readable.from([]));
      expect(empty.code).toBe(2);
      expect(empty.err).toContain('error[REQUEST_INVALID]');
      const listed = await run(['secrets', 'list', 'shop', '--json']);
      expect(JSON.parse(listed.out).secrets.map((secret: { name: string }) => secret.name)).toEqual(['CLI_TOKEN', 'DB_PASSWORD', 'DB_PASSWORD']);
      expect((await run(['secret', 'set', 'shop', 'TEMP'], Readable.from(['temporary']))).code).toBe(0);
      expect((await run(['secret', 'remove', 'shop', 'TEMP'])).code).toBe(0);
      const again = await run(['secret', 'remove', 'shop', 'TEMP']);
      expect(again.code).toBe(3);
      expect(again.err).toContain('error[SECRET_NOT_FOUND]');
      expectNowhere(set.out + set.err + listed.out + listed.err, [VALUE, CLI_VALUE], 'CLI output');
    });

    it('is scoped: a token for another application gets 403; a staging token sees staging and * secrets only', async () => {
      const mint = async (body: Record<string, unknown>) => httpApi(gantry.url, (await admin.api<CreatedTokenDto>('POST', '/tokens', body)).body.token);
      const cartReleaser = await mint({ user: 'carl', role: 'release-manager', apps: ['cart'] });
      expect((await cartReleaser.api('PUT', '/applications/shop/secrets/DB_PASSWORD', { value: 'overwritten' })).status).toBe(403);
      expect((await cartReleaser.api('GET', '/applications/shop/secrets')).status).toBe(403);
      expect((await cartReleaser.api('DELETE', '/applications/shop/secrets/DB_PASSWORD')).status).toBe(403);
      expect((await cartReleaser.api('PUT', '/applications/cart/secrets/CART_KEY', { value: 'cart-value' })).status).toBe(204);
      const stagingViewer = await mint({ user: 'vera', role: 'viewer', apps: ['shop'], environments: ['staging'] });
      const seen = await stagingViewer.api<{ secrets: { name: string; environment: string }[] }>('GET', '/applications/shop/secrets');
      expect(seen.body.secrets.map((secret) => `${secret.name}@${secret.environment}`)).toEqual(['CLI_TOKEN@staging', 'DB_PASSWORD@*']);
      expect((await stagingViewer.api('PUT', '/applications/shop/secrets/X', { value: 'v', environment: 'staging' })).status).toBe(403);
      const stagingReleaser = await mint({ user: 'rita', role: 'release-manager', apps: ['shop'], environments: ['staging'] });
      expect((await stagingReleaser.api('PUT', '/applications/shop/secrets/DB_PASSWORD', { value: 'overwritten' })).status).toBe(403);
      expect((await stagingReleaser.api('PUT', '/applications/shop/secrets/DB_PASSWORD', { value: 'overwritten', environment: 'production' })).status).toBe(403);
      expect(await valuesFor(undefined, 'shop', 'production')).toEqual({ DB_PASSWORD: VALUE });
    });

    it('keeps no plaintext at rest: database (file and WAL, or every PostgreSQL column), artifact store, server log', async () => {
      if (dialect === 'sqlite') {
        const files = ['gantry.db', 'gantry.db-wal', 'gantry.db-shm'].map((name) => join(dataDir, name)).filter(existsSync);
        expect(files.some((file) => file.endsWith('-wal'))).toBe(true);
        for (const file of files) expectNowhere(readFileSync(file), [VALUE, CLI_VALUE], file);
      } else {
        const client = new pg.Client({ connectionString: database.postgresUrl });
        await client.connect();
        try {
          const columns = await client.query<{ table_name: string; column_name: string }>(
            "select table_name, column_name from information_schema.columns where table_schema = 'public' and data_type in ('text', 'character varying', 'json', 'jsonb', 'bytea')",
          );
          expect(columns.rows.some((column) => column.table_name === 'secrets' && column.column_name === 'ciphertext')).toBe(true);
          const dumped: string[] = [];
          for (const { table_name: table, column_name: column } of columns.rows) {
            const rows = await client.query(`select ${client.escapeIdentifier(column)}::text as v from ${client.escapeIdentifier(table)}`);
            dumped.push(...rows.rows.map((row: { v: string | null }) => row.v ?? ''));
          }
          expectNowhere(dumped.join('\n'), [VALUE, CLI_VALUE], 'a PostgreSQL column');
        } finally {
          await client.end();
        }
        let pgDump: string | null = null;
        try {
          pgDump = execFileSync('pg_dump', ['--data-only', database.postgresUrl!], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
        } catch {
          pgDump = null; // pg_dump missing or of another major version: the column scan above stands.
        }
        if (pgDump !== null) {
          expect(pgDump).toContain('COPY public.secrets');
          expectNowhere(pgDump, [VALUE, CLI_VALUE], 'pg_dump');
        }
      }
      const artifacts = filesUnder(join(dataDir, 'artifacts'));
      expect(artifacts.length).toBeGreaterThan(0);
      for (const file of artifacts) expectNowhere(readFileSync(file), [VALUE, CLI_VALUE], file);
      expect(log.text()).toContain('/secrets/DB_PASSWORD');
      expectNowhere(log.text(), [VALUE, CLI_VALUE], 'the server log');
    });

    it('fails closed at start with a wrong master key, naming the file and never the key', async () => {
      await gantry.close();
      const wrongKey = writeKeyFile(keysDir, 'wrong.key');
      const error = await startFailure(() => start({ GANTRY_MASTER_KEY_FILE: wrongKey }));
      expect(isGantryError(error) && error.code).toBe('MASTER_KEY_INVALID');
      expect(error.message).toContain(wrongKey);
      expect(error.message).not.toContain(readFileSync(wrongKey, 'utf8').trim());
      const missing = await startFailure(() => start({ GANTRY_MASTER_KEY_FILE: join(keysDir, 'missing.key') }));
      expect(isGantryError(missing) && missing.code).toBe('MASTER_KEY_INVALID');
      writeFileSync(join(keysDir, 'garbage.key'), 'not a key\n');
      const garbage = await startFailure(() => start({ GANTRY_MASTER_KEY_FILE: join(keysDir, 'garbage.key') }));
      expect(isGantryError(garbage) && garbage.code).toBe('MASTER_KEY_INVALID');
      // The key in GANTRY_MASTER_KEY instead: the same, naming the variable and never the key.
      const wrongText = randomBytes(32).toString('base64');
      const fromEnv = await startFailure(() => start({ GANTRY_MASTER_KEY: wrongText }));
      expect(isGantryError(fromEnv) && fromEnv.code).toBe('MASTER_KEY_INVALID');
      expect(isGantryError(fromEnv) && fromEnv.details).toMatchObject({ where: 'GANTRY_MASTER_KEY' });
      expect(fromEnv.message).toContain('environment variable GANTRY_MASTER_KEY holds key mk-');
      expect(fromEnv.message).not.toContain(wrongText);
      const both = await startFailure(() => start({ GANTRY_MASTER_KEY: wrongText, GANTRY_MASTER_KEY_FILE: wrongKey }));
      expect(isGantryError(both) && both.code).toBe('MASTER_KEY_INVALID');
      expect(both.message).toContain('set only one');
      expect(both.message).not.toContain(wrongText);
      const malformedText = randomBytes(31).toString('base64');
      const malformed = await startFailure(() => start({ GANTRY_MASTER_KEY: malformedText }));
      expect(isGantryError(malformed) && malformed.code).toBe('MASTER_KEY_INVALID');
      expect(malformed.message).not.toContain(malformedText.slice(0, 8));
      // Losing the default key file: a new one is made, and refused.
      const original = readFileSync(join(dataDir, 'master.key'));
      rmSync(join(dataDir, 'master.key'));
      const lost = await startFailure(() => start());
      expect(isGantryError(lost) && lost.code).toBe('MASTER_KEY_INVALID');
      writeFileSync(join(dataDir, 'master.key'), original, { mode: 0o600 });
      gantry = await start();
    });

    it('rotates the master key offline: the new key reads every secret, the old one no longer starts', async () => {
      await gantry.close();
      const newKey = writeKeyFile(keysDir, 'new.key');
      let out = '';
      const code = await main(['node', 'gantry', 'secret', 'rotate-master-key', '--data', dataDir, '--new-key-file', newKey], {
        stdout: { write: (chunk: string) => (out += chunk) },
        stderr: { write: (chunk: string) => (out += chunk) },
        env: env(),
      });
      expect(code, out).toBe(0);
      expect(out).toContain('Re-wrapped 4 secrets');
      expect(out).not.toContain(readFileSync(newKey, 'utf8').trim());
      const old = await startFailure(() => start());
      expect(isGantryError(old) && old.code).toBe('MASTER_KEY_INVALID');
      expect(await valuesFor(newKey, 'shop', 'staging')).toEqual({ DB_PASSWORD: VALUE, CLI_TOKEN: CLI_VALUE });
      await expect(valuesFor(undefined, 'shop', 'staging')).rejects.toMatchObject({ code: 'SECRET_UNREADABLE' });
      gantry = await start({ GANTRY_MASTER_KEY_FILE: newKey });
      const admin = httpApi(gantry.url, readFileSync(join(dataDir, 'admin.token'), 'utf8').trim());
      const listed = await admin.api<{ secrets: unknown[] }>('GET', '/applications/shop/secrets');
      expect(listed.body.secrets).toHaveLength(3);
      // The offline rotation is in the audit chain, by the operating-system user, from `local`; the chain holds.
      const audited = (await admin.api<{ records: { actor: string; address: string; outcome: string; details: Record<string, unknown> }[] }>('GET', `/audit?action=${encodeURIComponent('secret rotate-master-key')}`)).body.records;
      expect(audited).toEqual([expect.objectContaining({ actor: `os:${userInfo().username}`, address: 'local', outcome: 'done', details: { fromKey: expect.stringMatching(/^mk-/), toKey: expect.stringMatching(/^mk-/), rewrapped: 4 } })]);
      expect(JSON.stringify(audited)).not.toContain(readFileSync(newKey, 'utf8').trim());
      expect((await admin.api<{ ok: boolean }>('GET', '/audit/verify')).body.ok).toBe(true);
    });

    it('takes the key from GANTRY_MASTER_KEY, and rotation then says to put the new key there, never printing it', async () => {
      await gantry.close();
      const currentText = readFileSync(join(keysDir, 'new.key'), 'utf8').trim();
      gantry = await start({ GANTRY_MASTER_KEY: currentText });
      const token = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
      expect((await httpApi(gantry.url, token).api<{ secrets: unknown[] }>('GET', '/applications/shop/secrets')).body.secrets).toHaveLength(3);
      await gantry.close();
      const newerKey = writeKeyFile(keysDir, 'newer.key');
      let out = '';
      const code = await main(['node', 'gantry', 'secret', 'rotate-master-key', '--data', dataDir, '--new-key-file', newerKey], {
        stdout: { write: (chunk: string) => (out += chunk) },
        stderr: { write: (chunk: string) => (out += chunk) },
        env: env({ GANTRY_MASTER_KEY: currentText }),
      });
      expect(code, out).toBe(0);
      expect(out).toContain('(environment variable GANTRY_MASTER_KEY)');
      expect(out).toContain(`set GANTRY_MASTER_KEY to the content of ${newerKey}`);
      expect(out).not.toContain(currentText);
      expect(out).not.toContain(readFileSync(newerKey, 'utf8').trim());
      const old = await startFailure(() => start({ GANTRY_MASTER_KEY: currentText }));
      expect(isGantryError(old) && old.code).toBe('MASTER_KEY_INVALID');
      expect(old.message).not.toContain(currentText);
      expect(await valuesFor(newerKey, 'shop', 'staging')).toEqual({ DB_PASSWORD: VALUE, CLI_TOKEN: CLI_VALUE });
      gantry = await start({ GANTRY_MASTER_KEY: readFileSync(newerKey, 'utf8').trim() });
    });
  });
}
