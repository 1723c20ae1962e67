import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migrateDatabase, openDatabase, type StoreDatabase } from '../../src/store/database.js';

export type Dialect = 'sqlite' | 'postgres';

/** GANTRY_TEST_DIALECTS=sqlite narrows the suites locally; CI runs both. */
export const DIALECTS: readonly Dialect[] = (process.env.GANTRY_TEST_DIALECTS?.split(',') as Dialect[] | undefined) ?? ['sqlite', 'postgres'];

export const POSTGRES_ADMIN_URL = process.env.GANTRY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  readonly dialect: Dialect;
  /** What `GANTRY_DATABASE_URL` would be for a server on this database (undefined for SQLite). */
  readonly postgresUrl: string | undefined;
  readonly sqlitePath: string | undefined;
  open(): Promise<StoreDatabase>;
  drop(): Promise<void>;
}

/** A fresh, empty database of the dialect: a temp SQLite file (WAL, not :memory:) or a new PostgreSQL database. */
export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'gantry-db-'));
    const sqlitePath = join(dir, 'gantry.db');
    return {
      dialect,
      postgresUrl: undefined,
      sqlitePath,
      async open() {
        const store = openDatabase({ sqlitePath });
        await migrateDatabase(store);
        return store;
      },
      async drop() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `gantry_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  const postgresUrl = url.toString();
  return {
    dialect,
    postgresUrl,
    sqlitePath: undefined,
    async open() {
      const store = openDatabase({ postgresUrl });
      await migrateDatabase(store);
      return store;
    },
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}
