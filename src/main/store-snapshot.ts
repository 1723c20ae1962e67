/**
 * A whole store as a stream of items — every table's rows, then every release archive — read in
 * one read transaction (a consistent snapshot, also of a live server), and written into an empty
 * store in one transaction (a failure leaves it empty). `gantry migrate` pipes one store into
 * another; `gantry backup` and `gantry restore` put a file in between (backup-file.ts).
 *
 * Archives travel as archives whatever the store keeps them in: files in a directory (SQLite, or
 * GANTRY_ARTIFACT_DIR) or the `artifacts`/`artifact_chunks` tables (PostgreSQL), so a snapshot of
 * one kind of store can be written into the other.
 */
import { createReadStream } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Transaction } from 'kysely';
import { recordAudit, type AuditEntryInput } from '../app/audit.js';
import { createArtifactStore } from '../artifacts/artifact-store.js';
import type { ServerConfig } from '../config/server-config.js';
import { GantryError, isGantryError } from '../core/errors.js';
import { ARTIFACT_CHUNK_BYTES, readArtifactChunks } from '../store/artifacts.repository.js';
import type { StoreDatabase } from '../store/database.js';
import { LATEST_MIGRATION } from '../store/migrations/index.js';
import type { Database } from '../store/schema.js';
import { systemClock } from './system-clock.js';
import {
  advanceSerialSequences,
  appliedSchemaVersion,
  insertArchive,
  insertTableRows,
  isRowTable,
  listStoreTables,
  listStoredArchives,
  readTableRows,
  ROW_TABLES,
  STORE_TABLES,
  tablesWithRows,
  type StoredArchive,
  type StoreRow,
  type StoreTableName,
} from '../store/store-copy.js';

export type SnapshotItem =
  | { readonly kind: 'rows'; readonly table: StoreTableName; readonly rows: readonly StoreRow[] }
  /** `chunks` must be read to the end before the next item is asked for. */
  | { readonly kind: 'archive'; readonly archive: StoredArchive; readonly chunks: AsyncIterable<Buffer> };

/** Where a store keeps its release archives. */
export type ArchivePlace = { readonly kind: 'database' } | { readonly kind: 'files'; readonly dir: string };

export interface CopySummary {
  /** Rows per copied table, in copy order (every copied table, also those with none). */
  readonly tables: Record<string, number>;
  readonly archives: number;
  readonly archiveBytes: number;
}

const ARCHIVE_FILE = /^([0-9a-f]{64})\.tar\.gz$/;

/** Where `gantry serve` with this configuration keeps its archives (as src/main/serve.ts decides). */
export function archivePlaceOf(config: ServerConfig): ArchivePlace {
  if (config.artifactDir) return { kind: 'files', dir: config.artifactDir };
  return config.databaseUrl ? { kind: 'database' } : { kind: 'files', dir: join(config.dataDir, 'artifacts') };
}

export function emptySummary(): { tables: Record<string, number>; archives: number; archiveBytes: number } {
  return { tables: Object.fromEntries(ROW_TABLES.map((table) => [table, 0])), archives: 0, archiveBytes: 0 };
}

/**
 * Reads `store` in one read transaction and hands its items to `use` (which must be done with them
 * before it returns). Refuses a store that is not at this Gantry's schema version, or that has a
 * table this Gantry does not know (it would not be copied).
 */
export async function readStoreSnapshot<T>(store: StoreDatabase, archives: ArchivePlace, use: (schema: string, items: AsyncIterable<SnapshotItem>) => Promise<T>): Promise<T> {
  return store.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const schema = await appliedSchemaVersion(trx);
      if (schema !== LATEST_MIGRATION) {
        throw new GantryError(
          'SCHEMA_MISMATCH',
          schema === null
            ? 'the store holds no Gantry schema (was gantry serve ever started on it?)'
            : `the store is at schema ${schema}, this Gantry at ${LATEST_MIGRATION}: use the Gantry version that serves it`,
          { schema, expected: LATEST_MIGRATION },
        );
      }
      const unknown = [...(await listStoreTables(trx)).keys()].filter((name) => !Object.hasOwn(STORE_TABLES, name));
      if (unknown.length > 0) {
        throw new GantryError('SCHEMA_MISMATCH', `the store has tables this Gantry does not know and would not copy: ${unknown.join(', ')}`, { tables: unknown });
      }
      return use(schema, snapshotItems(trx, archives));
    });
}

async function* snapshotItems(trx: Transaction<Database>, place: ArchivePlace): AsyncGenerator<SnapshotItem, void, undefined> {
  for (const table of ROW_TABLES) {
    for await (const rows of readTableRows(trx, table)) yield { kind: 'rows', table, rows };
  }
  if (place.kind === 'database') {
    for (const archive of await listStoredArchives(trx)) yield { kind: 'archive', archive, chunks: readArtifactChunks(trx, archive.digest) };
    return;
  }
  for (const archive of await listArchiveFiles(place.dir)) {
    yield { kind: 'archive', archive, chunks: createReadStream(join(place.dir, 'sha256', `${archive.digest}.tar.gz`), { highWaterMark: ARTIFACT_CHUNK_BYTES }) };
  }
}

/** The archives of a file store (`<dir>/sha256/<digest>.tar.gz`); its temp files are left out. */
async function listArchiveFiles(dir: string): Promise<StoredArchive[]> {
  let names: string[];
  try {
    names = await readdir(join(dir, 'sha256'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const archives: StoredArchive[] = [];
  for (const name of names.sort()) {
    const digest = ARCHIVE_FILE.exec(name)?.[1];
    if (digest === undefined) continue;
    const info = await stat(join(dir, 'sha256', name));
    if (!info.isFile()) continue;
    archives.push({ digest, sizeBytes: info.size, createdAt: info.mtime.toISOString() });
  }
  return archives;
}

export interface WriteOptions {
  /** The error for an archive whose bytes do not match its digest or size. */
  readonly archiveMismatch: (digest: string, what: string) => GantryError;
  /** The audit record of the copy, appended to the copied chain in the same transaction (no record, no copy). */
  readonly audit: (summary: CopySummary) => AuditEntryInput;
}

/**
 * Writes a snapshot into `store` in one transaction, after checking that the store holds no
 * Gantry data; sequences are then moved past the copied rows. `store` must be migrated already.
 * On any failure the transaction rolls back (archive files written meanwhile are removed).
 */
export async function writeStoreSnapshot(store: StoreDatabase, place: ArchivePlace, items: AsyncIterable<SnapshotItem>, options: WriteOptions): Promise<CopySummary> {
  const summary = emptySummary();
  const written: string[] = [];
  let current = 'the first table';
  try {
    await store.db.transaction().execute(async (trx) => {
      const occupied = await tablesWithRows(trx);
      if (occupied.length > 0) {
        throw new GantryError('STORE_NOT_EMPTY', `the target store already holds Gantry data (rows in ${occupied.join(', ')}); copy only into an empty database`, { tables: occupied });
      }
      const columns = await listStoreTables(trx);
      for await (const item of items) {
        if (item.kind === 'rows') {
          current = `table ${item.table}`;
          if (!isRowTable(item.table)) throw new GantryError('BACKUP_INVALID', `rows for ${item.table}, which is not a table that is copied`);
          const known = new Set(columns.get(item.table)?.columns ?? []);
          for (const row of item.rows) {
            const extra = Object.keys(row).find((column) => !known.has(column));
            if (extra !== undefined) throw new GantryError('BACKUP_INVALID', `a row of ${item.table} has column ${JSON.stringify(extra)}, which the table does not have`);
          }
          await insertTableRows(trx, item.table, item.rows);
          summary.tables[item.table] = (summary.tables[item.table] ?? 0) + item.rows.length;
          continue;
        }
        const { archive } = item;
        current = `archive ${archive.digest}`;
        if (place.kind === 'database') {
          await insertArchive(trx, archive, item.chunks, (what) => options.archiveMismatch(archive.digest, what));
        } else {
          const files = createArtifactStore(place.dir);
          const existed = await files.has(archive.digest);
          const stored = await files.put(Readable.from(item.chunks), { maxBytes: Number.MAX_SAFE_INTEGER });
          if (!existed || stored.digest !== archive.digest) written.push(stored.path);
          if (stored.digest !== archive.digest) throw options.archiveMismatch(archive.digest, `its content has digest ${stored.digest}`);
          if (stored.sizeBytes !== archive.sizeBytes) throw options.archiveMismatch(archive.digest, `${stored.sizeBytes} bytes, ${archive.sizeBytes} expected`);
        }
        summary.archives += 1;
        summary.archiveBytes += archive.sizeBytes;
      }
      current = 'the sequences';
      await advanceSerialSequences(trx, store.capabilities);
      current = 'the audit record';
      await recordAudit({ db: trx, clock: systemClock }, options.audit(summary));
    });
  } catch (error) {
    await Promise.all(written.map((path) => rm(path, { force: true })));
    throw asStoreError(error, `writing ${current} failed; nothing was written`);
  }
  return summary;
}

/**
 * A GantryError as it is; a database's own error (a refused row, a lost connection) as a
 * GantryError saying what was being done, the original kept as the cause.
 */
export function asStoreError(error: unknown, what: string): GantryError {
  if (isGantryError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  // Node's socket errors: ECONNREFUSED, ETIMEDOUT, ENOTFOUND, …
  const unreachable = typeof code === 'string' && /^E[A-Z]+$/.test(code);
  return new GantryError(unreachable ? 'STORE_UNAVAILABLE' : 'INTERNAL', `${what}: ${message}`, {}, { cause: error });
}

/** The summary as lines: rows per table, then archives. */
export function summaryLines(summary: CopySummary): string[] {
  const width = Math.max(...Object.keys(summary.tables).map((name) => name.length), 'archives'.length);
  const lines = Object.entries(summary.tables).map(([table, rows]) => `  ${table.padEnd(width)}  ${rows} row${rows === 1 ? '' : 's'}`);
  lines.push(`  ${'archives'.padEnd(width)}  ${summary.archives} (${summary.archiveBytes} bytes)`);
  return lines;
}
