/**
 * Copying a whole store, table by table (issue 7: `gantry migrate`, `gantry backup`, `gantry
 * restore`). The SQL of it lives here; src/main/store-snapshot.ts drives it.
 *
 * {@link STORE_TABLES} is the one list of tables: every table of {@link Database} must be in it
 * (the compiler checks the keys, test/store/store-copy.test.ts checks them against the tables a
 * migrated database really has), in an order where a table comes after the tables its foreign keys
 * point at, so that inserting in this order never breaks a constraint.
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { GantryError } from '../core/errors.js';
import { ARTIFACT_CHUNK_BYTES } from './artifacts.repository.js';
import type { StoreCapabilities } from './capabilities.js';
import type { Database } from './schema.js';

/**
 * How a table is copied:
 * - `rows`: every row, as it is (ids, sequence numbers, hashes, encrypted secrets unchanged).
 * - `archives`: the release archives (`artifacts`, `artifact_chunks`); they travel as archives,
 *   since an embedded installation keeps them as files instead.
 * - `runtime`: the state of running server processes (which nodes beat, where agents are
 *   connected); meaningless once they are stopped, rebuilt by the next `gantry serve`.
 */
export type TableCopy = 'rows' | 'archives' | 'runtime';

export interface StoreTable {
  readonly copy: TableCopy;
  /** The primary key: rows are read in this order, a page at a time. */
  readonly key: readonly string[];
}

/** Every table, parents before children (insertion order). */
export const STORE_TABLES = {
  applications: { copy: 'rows', key: ['name'] },
  targets: { copy: 'rows', key: ['name'] },
  releases: { copy: 'rows', key: ['app', 'version'] },
  release_commits: { copy: 'rows', key: ['app', 'version', 'sha'] },
  release_evidence: { copy: 'rows', key: ['id'] },
  deployments: { copy: 'rows', key: ['id'] },
  tasks: { copy: 'rows', key: ['id'] },
  events: { copy: 'rows', key: ['seq'] },
  logs: { copy: 'rows', key: ['seq'] },
  api_tokens: { copy: 'rows', key: ['id'] },
  agent_enrolment_tokens: { copy: 'rows', key: ['id'] },
  target_facts: { copy: 'rows', key: ['target'] },
  target_fact_changes: { copy: 'rows', key: ['seq'] },
  analysis_measurements: { copy: 'rows', key: ['seq'] },
  calendar_windows: { copy: 'rows', key: ['name'] },
  changes: { copy: 'rows', key: ['id'] },
  change_approvals: { copy: 'rows', key: ['seq'] },
  change_events: { copy: 'rows', key: ['seq'] },
  audit_log: { copy: 'rows', key: ['seq'] },
  audit_head: { copy: 'rows', key: ['id'] },
  secrets: { copy: 'rows', key: ['app', 'environment', 'name'] },
  secret_keys: { copy: 'rows', key: ['id'] },
  users: { copy: 'rows', key: ['name'] },
  teams: { copy: 'rows', key: ['name'] },
  nodes: { copy: 'runtime', key: ['id'] },
  agent_presence: { copy: 'runtime', key: ['agent'] },
  artifacts: { copy: 'archives', key: ['digest'] },
  artifact_chunks: { copy: 'archives', key: ['digest', 'seq'] },
  advisories: { copy: 'rows', key: ['id'] },
  exposure_sightings: { copy: 'rows', key: ['target', 'advisory'] },
  policies: { copy: 'rows', key: ['name'] },
  policy_results: { copy: 'rows', key: ['policy', 'target'] },
  policy_flips: { copy: 'rows', key: ['seq'] },
  incidents: { copy: 'rows', key: ['id'] },
  cis: { copy: 'rows', key: ['name'] },
  ci_relationships: { copy: 'rows', key: ['from_ref', 'type', 'to_ref'] },
  drift_checks: { copy: 'rows', key: ['target', 'app'] },
  feedback_links: { copy: 'rows', key: ['nonce'] },
  feedback: { copy: 'rows', key: ['id'] },
  notification_channels: { copy: 'rows', key: ['name'] },
  notification_subscriptions: { copy: 'rows', key: ['name'] },
  notification_cursors: { copy: 'rows', key: ['source'] },
  notification_keys: { copy: 'rows', key: ['subscription', 'once_key'] },
  notifications: { copy: 'rows', key: ['id'] },
  notification_attempts: { copy: 'rows', key: ['seq'] },
  retention_policies: { copy: 'rows', key: ['scope'] },
} as const satisfies Record<keyof Database, StoreTable>;

export type StoreTableName = keyof typeof STORE_TABLES;

/** The tables whose rows are copied, in insertion order. */
export const ROW_TABLES: readonly StoreTableName[] = (Object.keys(STORE_TABLES) as StoreTableName[]).filter((name) => STORE_TABLES[name].copy === 'rows');

export function isRowTable(name: string): name is StoreTableName {
  return Object.hasOwn(STORE_TABLES, name) && STORE_TABLES[name as StoreTableName].copy === 'rows';
}

/** A row as the driver returns it: text, numbers, null, bytes. */
export type StoreRow = Record<string, unknown>;

type Db = Kysely<Database> | Transaction<Database>;
/** The same database seen without the static schema, for code that walks every table. */
type AnyTables = Record<string, Record<string, unknown>>;
const untyped = (db: Db): Kysely<AnyTables> => db as unknown as Kysely<AnyTables>;

/** Rows read per query. */
const PAGE_ROWS = 500;
/** Bound parameters per INSERT (SQLite allows 32766, PostgreSQL 65535). */
const PARAMETERS_PER_INSERT = 20_000;

/** The tables of the database with their columns, without the migration bookkeeping (`gantry_migrations*`). */
export async function listStoreTables(db: Db): Promise<Map<string, { readonly columns: readonly string[]; readonly serialColumns: readonly string[] }>> {
  const tables = (await db.introspection.getTables()).filter((table) => !table.isView && !table.name.startsWith('gantry_migrations'));
  // PostgreSQL reports every schema; Gantry's tables are in the connection's current one.
  let schema: string | undefined;
  if (tables.some((table) => table.schema !== undefined)) {
    schema = (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema;
  }
  const result = new Map<string, { columns: string[]; serialColumns: string[] }>();
  for (const table of tables) {
    if (table.schema !== undefined && table.schema !== schema) continue;
    result.set(table.name, {
      columns: table.columns.map((column) => column.name),
      serialColumns: table.columns.filter((column) => column.isAutoIncrementing).map((column) => column.name),
    });
  }
  return result;
}

/** The newest migration applied to the database, or null when it has none. */
export async function appliedSchemaVersion(db: Db): Promise<string | null> {
  const names = (await db.introspection.getTables()).map((table) => table.name);
  if (!names.includes('gantry_migrations')) return null;
  const rows = (await sql<{ name: string }>`select name from gantry_migrations order by name desc`.execute(db)).rows;
  return rows[0]?.name ?? null;
}

/** The tables (of those a copy writes) that hold at least one row. */
export async function tablesWithRows(db: Db): Promise<StoreTableName[]> {
  const found: StoreTableName[] = [];
  for (const name of Object.keys(STORE_TABLES) as StoreTableName[]) {
    if (STORE_TABLES[name].copy === 'runtime') continue;
    const row = await untyped(db).selectFrom(name).select(sql<number>`1`.as('one')).limit(1).executeTakeFirst();
    if (row !== undefined) found.push(name);
  }
  return found;
}

/** Every row of `table` in primary-key order, a page at a time (keyset paging, so each page is one indexed query). */
export async function* readTableRows(db: Db, table: StoreTableName): AsyncGenerator<StoreRow[], void, undefined> {
  const key = STORE_TABLES[table].key;
  let last: StoreRow | undefined;
  for (;;) {
    let query = untyped(db).selectFrom(table).selectAll();
    if (last !== undefined) {
      const after = last;
      query = query.where(sql<boolean>`(${sql.join(key.map((column) => sql.ref(column)))}) > (${sql.join(key.map((column) => after[column]))})`);
    }
    for (const column of key) query = query.orderBy(column);
    const rows = await query.limit(PAGE_ROWS).execute();
    if (rows.length > 0) yield rows;
    if (rows.length < PAGE_ROWS) return;
    last = rows[rows.length - 1];
  }
}

/** Inserts rows as they are (explicit ids and sequence numbers), in as few statements as the parameter limits allow. */
export async function insertTableRows(trx: Transaction<Database>, table: StoreTableName, rows: readonly StoreRow[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = Math.max(1, Object.keys(rows[0]!).length);
  const perInsert = Math.max(1, Math.min(PAGE_ROWS, Math.floor(PARAMETERS_PER_INSERT / columns)));
  for (let start = 0; start < rows.length; start += perInsert) {
    await untyped(trx).insertInto(table).values(rows.slice(start, start + perInsert)).execute();
  }
}

/**
 * Moves every sequence behind an auto-numbered column (PostgreSQL's bigserial) past the largest
 * value copied in, so new rows continue after the old ones. SQLite's AUTOINCREMENT follows
 * explicitly inserted values by itself.
 */
export async function advanceSerialSequences(trx: Transaction<Database>, capabilities: StoreCapabilities): Promise<void> {
  if (capabilities.serialColumnType !== 'bigserial') return;
  const tables = await listStoreTables(trx);
  for (const [table, { serialColumns }] of tables) {
    for (const column of serialColumns) {
      await sql`select setval(pg_get_serial_sequence(${table}, ${column}), coalesce((select max(${sql.ref(column)}) from ${sql.table(table)}), 0) + 1, false)`.execute(trx);
    }
  }
}

export interface StoredArchive {
  readonly digest: string;
  readonly sizeBytes: number;
  readonly createdAt: string;
}

/** The archives kept in the database (`artifacts`), in digest order. */
export async function listStoredArchives(db: Db): Promise<StoredArchive[]> {
  const rows = await db.selectFrom('artifacts').select(['digest', 'size_bytes', 'created_at']).orderBy('digest').execute();
  return rows.map((row) => ({ digest: row.digest, sizeBytes: Number(row.size_bytes), createdAt: row.created_at }));
}

/**
 * Stores one archive in `artifacts`/`artifact_chunks` inside the caller's transaction (so a
 * failed copy leaves nothing), checking its size and its sha256 against `archive`: a mismatch
 * throws `mismatch()` and the caller's transaction rolls back.
 */
export async function insertArchive(trx: Transaction<Database>, archive: StoredArchive, chunks: AsyncIterable<Buffer>, mismatch: (what: string) => GantryError): Promise<void> {
  await trx.insertInto('artifacts').values({ digest: archive.digest, size_bytes: archive.sizeBytes, chunk_count: 0, created_at: archive.createdAt }).execute();
  const hash = createHash('sha256');
  let seq = 0;
  let sizeBytes = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async (all: boolean): Promise<void> => {
    while (pendingBytes >= ARTIFACT_CHUNK_BYTES || (all && pendingBytes > 0)) {
      const joined = Buffer.concat(pending);
      const bytes = joined.subarray(0, ARTIFACT_CHUNK_BYTES);
      const rest = joined.subarray(bytes.length);
      pending = rest.length > 0 ? [rest] : [];
      pendingBytes = rest.length;
      await trx.insertInto('artifact_chunks').values({ digest: archive.digest, seq, bytes: Buffer.from(bytes) }).execute();
      seq += 1;
    }
  };
  for await (const chunk of chunks) {
    hash.update(chunk);
    sizeBytes += chunk.length;
    pending.push(chunk);
    pendingBytes += chunk.length;
    await flush(false);
  }
  await flush(true);
  if (sizeBytes !== archive.sizeBytes) throw mismatch(`${sizeBytes} bytes, ${archive.sizeBytes} expected`);
  const digest = hash.digest('hex');
  if (digest !== archive.digest) throw mismatch(`its content has digest ${digest}`);
  await trx.updateTable('artifacts').set({ chunk_count: seq }).where('digest', '=', archive.digest).execute();
}
