import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { GantryError } from '../core/errors.js';
import { POSTGRES_CAPABILITIES, SQLITE_CAPABILITIES, type StoreCapabilities } from './capabilities.js';
import { LATEST_MIGRATION, migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';

export interface StoreDatabase {
  readonly db: Kysely<Database>;
  readonly capabilities: StoreCapabilities;
  close(): Promise<void>;
}

export type DatabaseLocation = { readonly postgresUrl: string } | { readonly sqlitePath: string };

const PG_INT8 = 20;
const PG_NUMERIC = 1700;

export function openDatabase(location: DatabaseLocation): StoreDatabase {
  if ('postgresUrl' in location) {
    const pool = new pg.Pool({
      connectionString: location.postgresUrl,
      max: 10,
      // Counters and sizes fit in a double; return them as numbers, not strings.
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === PG_INT8 || oid === PG_NUMERIC ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
      },
    });
    // A client losing its connection (a database restart) must not crash the process: the pool
    // reports idle ones here, and a checked-out one would emit 'error' with nobody listening. Its
    // next query fails instead (a 503, STORE_UNAVAILABLE) and the pool drops it; the one after
    // gets a new connection.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, capabilities: POSTGRES_CAPABILITIES, close: () => db.destroy() };
  }
  mkdirSync(dirname(location.sqlitePath), { recursive: true });
  const sqlite = new SqliteDatabase(location.sqlitePath);
  sqlite.pragma('journal_mode = WAL');
  // NORMAL is durable across process crashes in WAL mode (only a power loss can drop the last commits).
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, capabilities: SQLITE_CAPABILITIES, close: () => db.destroy() };
}

/** Whether the database answers a trivial query. */
export function pingDatabase(db: Kysely<Database>): Promise<boolean> {
  return sql`select 1`.execute(db).then(
    () => true,
    () => false,
  );
}

/** Brings the schema up to date. Refuses a database migrated by a newer Gantry. */
export async function migrateDatabase(store: StoreDatabase): Promise<void> {
  const migrator = new Migrator({
    db: store.db,
    provider: migrationProvider(store.capabilities),
    migrationTableName: 'gantry_migrations',
    migrationLockTableName: 'gantry_migrations_lock',
  });
  const migrations = await migrator.getMigrations();
  const unknown: string[] = [];
  const known = new Set(migrations.map((migration) => migration.name));
  const tables = await store.db.introspection.getTables();
  if (tables.some((table) => table.name === 'gantry_migrations')) {
    const applied = (await sql<{ name: string }>`select name from gantry_migrations`.execute(store.db)).rows;
    unknown.push(...applied.map((row) => row.name).filter((name) => !known.has(name)));
  }
  if (unknown.length > 0) {
    throw new GantryError('STORE_UNAVAILABLE', `the database was migrated by a newer Gantry (${unknown.join(', ')}; this one knows up to ${LATEST_MIGRATION}); upgrade Gantry`);
  }
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName ?? 'unknown';
    throw new GantryError('STORE_UNAVAILABLE', `database migration ${failed} failed`, {}, { cause: error });
  }
}
