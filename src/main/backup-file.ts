/**
 * The backup file of `gantry backup` / `gantry restore`: gzipped NDJSON, one JSON object a line
 * (docs/operations.md, "Backups"):
 *
 *   {"format":"gantry-backup","formatVersion":1,"schema":"<migration>","createdAt":…,"source":"sqlite"|"postgresql","masterKey":"not included"}
 *   {"table":"applications","row":{…}}           every row of every copied table, parents first
 *   {"archive":"<sha256>","sizeBytes":n,"createdAt":…}   then each release archive …
 *   {"chunk":"<base64>"}                          … as its bytes in order
 *   {"end":true,"tables":{"applications":1,…},"archives":n,"archiveBytes":n}
 *
 * Column values are JSON strings, numbers and nulls; bytes would be {"$bytes":"<base64>"}. The
 * closing line makes a truncated file detectable: restore checks every count against it.
 * The file is written under a temporary name (mode 0600) and renamed when complete.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip, createGzip } from 'node:zlib';
import { GantryError, isGantryError } from '../core/errors.js';
import { isRowTable, type StoredArchive, type StoreRow } from '../store/store-copy.js';
import { emptySummary, type CopySummary, type SnapshotItem } from './store-snapshot.js';

export const BACKUP_FORMAT = 'gantry-backup';
export const BACKUP_FORMAT_VERSION = 1;
export const MASTER_KEY_NOTE = 'not included: secrets are stored encrypted; restore them with the master key the store used';

export interface BackupHeader {
  readonly format: typeof BACKUP_FORMAT;
  readonly formatVersion: typeof BACKUP_FORMAT_VERSION;
  /** The newest migration of the store backed up (LATEST_MIGRATION of the Gantry that made it). */
  readonly schema: string;
  readonly createdAt: string;
  readonly source: 'sqlite' | 'postgresql';
  readonly masterKey: string;
}

/** Rows per item handed to the store when reading a backup. */
const ROWS_PER_ITEM = 500;

/** Writes the backup; resolves to what it holds and the file's size. Never leaves a partial file at `path`. */
export async function writeBackupFile(path: string, header: BackupHeader, items: AsyncIterable<SnapshotItem>): Promise<{ summary: CopySummary; bytes: number }> {
  const summary = emptySummary();
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  async function* lines(): AsyncGenerator<string, void, undefined> {
    yield `${JSON.stringify(header)}\n`;
    for await (const item of items) {
      if (item.kind === 'rows') {
        let text = '';
        for (const row of item.rows) text += `${JSON.stringify({ table: item.table, row: encodeRow(row) })}\n`;
        summary.tables[item.table] = (summary.tables[item.table] ?? 0) + item.rows.length;
        yield text;
        continue;
      }
      const { archive } = item;
      yield `${JSON.stringify({ archive: archive.digest, sizeBytes: archive.sizeBytes, createdAt: archive.createdAt })}\n`;
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of item.chunks) {
        hash.update(chunk);
        size += chunk.length;
        yield `${JSON.stringify({ chunk: chunk.toString('base64') })}\n`;
      }
      const digest = hash.digest('hex');
      // A damaged archive in the store must not make a backup that looks good.
      if (digest !== archive.digest || size !== archive.sizeBytes) {
        throw new GantryError('DATA_CORRUPT', `the stored archive ${archive.digest} does not have its digest or size (read ${size} bytes with digest ${digest}); the backup was not written`, { where: `artifacts.${archive.digest}` });
      }
      summary.archives += 1;
      summary.archiveBytes += size;
    }
    yield `${JSON.stringify({ end: true, tables: summary.tables, archives: summary.archives, archiveBytes: summary.archiveBytes })}\n`;
  }
  try {
    const file = createWriteStream(temp, { flags: 'wx', mode: 0o600 });
    await pipeline(lines, createGzip(), file);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  const { size } = await stat(path);
  return { summary, bytes: size };
}

export interface OpenedBackup {
  readonly header: BackupHeader;
  /** The rows and archives; ends with an error when the file is damaged or truncated (BACKUP_INVALID). */
  readonly items: AsyncIterable<SnapshotItem>;
  /** Closes the file (when `items` is not read to the end). */
  readonly close: () => void;
}

/** Opens a backup and reads its first line (BACKUP_INVALID when it is not a Gantry backup). */
export async function openBackupFile(path: string): Promise<OpenedBackup> {
  const lines = new LineReader(path);
  const first = await lines.next();
  if (first === undefined) throw invalid(path, 'it is empty');
  const header = first.value as Partial<BackupHeader>;
  if (header.format !== BACKUP_FORMAT || typeof header.schema !== 'string') {
    lines.close();
    throw invalid(path, 'its first line is not a Gantry backup header');
  }
  if (header.formatVersion !== BACKUP_FORMAT_VERSION) {
    lines.close();
    throw invalid(path, `it has format version ${String(header.formatVersion)}; this Gantry reads version ${BACKUP_FORMAT_VERSION}`);
  }
  return { header: header as BackupHeader, items: backupItems(path, lines), close: () => lines.close() };
}

async function* backupItems(path: string, lines: LineReader): AsyncGenerator<SnapshotItem, void, undefined> {
  const seen = emptySummary();
  for (;;) {
    const line = await lines.next();
    if (line === undefined) throw invalid(path, 'it ends before its closing line (truncated?)');
    const entry = line.value;
    if (typeof entry.table === 'string') {
      const table = entry.table;
      if (!isRowTable(table)) throw invalid(path, `line ${line.number}: ${JSON.stringify(table)} is not a table a backup holds`);
      const rows: StoreRow[] = [decodeRow(path, line.number, entry.row)];
      while (rows.length < ROWS_PER_ITEM) {
        const next = await lines.next();
        if (next === undefined) break;
        if (next.value.table !== table) {
          lines.pushBack(next);
          break;
        }
        rows.push(decodeRow(path, next.number, next.value.row));
      }
      seen.tables[table] = (seen.tables[table] ?? 0) + rows.length;
      yield { kind: 'rows', table, rows };
      continue;
    }
    if (typeof entry.archive === 'string') {
      const archive: StoredArchive = {
        digest: entry.archive,
        sizeBytes: typeof entry.sizeBytes === 'number' ? entry.sizeBytes : -1,
        createdAt: typeof entry.createdAt === 'string' ? entry.createdAt : new Date(0).toISOString(),
      };
      if (!/^[0-9a-f]{64}$/.test(archive.digest) || archive.sizeBytes < 0) throw invalid(path, `line ${line.number}: not a valid archive line`);
      yield { kind: 'archive', archive, chunks: archiveChunks(path, lines) };
      seen.archives += 1;
      seen.archiveBytes += archive.sizeBytes;
      continue;
    }
    if (entry.end === true) {
      const counts = { tables: entry.tables, archives: entry.archives, archiveBytes: entry.archiveBytes };
      const expected = { tables: seen.tables, archives: seen.archives, archiveBytes: seen.archiveBytes };
      if (JSON.stringify(counts) !== JSON.stringify(expected)) throw invalid(path, `its closing line counts ${JSON.stringify(counts)} but the file holds ${JSON.stringify(expected)}`);
      if ((await lines.next()) !== undefined) throw invalid(path, `it goes on after its closing line (line ${line.number})`);
      return;
    }
    throw invalid(path, `line ${line.number} is neither a row, an archive nor the closing line`);
  }
}

async function* archiveChunks(path: string, lines: LineReader): AsyncGenerator<Buffer, void, undefined> {
  for (;;) {
    const line = await lines.next();
    if (line === undefined) return;
    if (typeof line.value.chunk !== 'string') {
      lines.pushBack(line);
      return;
    }
    yield Buffer.from(line.value.chunk, 'base64');
  }
}

function encodeRow(row: StoreRow): StoreRow {
  const encoded: StoreRow = {};
  for (const [column, value] of Object.entries(row)) {
    encoded[column] = Buffer.isBuffer(value) || value instanceof Uint8Array ? { $bytes: Buffer.from(value).toString('base64') } : typeof value === 'bigint' ? Number(value) : value;
  }
  return encoded;
}

function decodeRow(path: string, lineNumber: number, row: unknown): StoreRow {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) throw invalid(path, `line ${lineNumber}: the row is not an object`);
  const decoded: StoreRow = {};
  for (const [column, value] of Object.entries(row)) {
    if (value === null || typeof value === 'string' || typeof value === 'number') {
      decoded[column] = value;
    } else if (typeof value === 'object' && typeof (value as { $bytes?: unknown }).$bytes === 'string') {
      decoded[column] = Buffer.from((value as { $bytes: string }).$bytes, 'base64');
    } else {
      throw invalid(path, `line ${lineNumber}: column ${JSON.stringify(column)} has a value of a kind a backup does not hold`);
    }
  }
  return decoded;
}

function invalid(path: string, why: string): GantryError {
  return new GantryError('BACKUP_INVALID', `${path} is not a complete Gantry backup: ${why}`, { where: path });
}

interface Line {
  readonly number: number;
  readonly value: Record<string, unknown>;
}

/** The lines of the gunzipped file, parsed, with one line of push-back. Read errors become BACKUP_INVALID. */
class LineReader {
  private readonly source: AsyncIterator<Buffer>;
  private readonly decoder = new StringDecoder('utf8');
  private readonly input: ReturnType<typeof createReadStream>;
  private readonly gunzip = createGunzip();
  private buffered = '';
  private ready: string[] = [];
  private number = 0;
  private ended = false;
  private pushedBack: Line | undefined;

  constructor(private readonly path: string) {
    this.input = createReadStream(path);
    this.input.on('error', (error) => this.gunzip.destroy(error));
    this.input.pipe(this.gunzip);
    this.source = this.gunzip[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  pushBack(line: Line): void {
    this.pushedBack = line;
  }

  close(): void {
    this.input.destroy();
    this.gunzip.destroy();
  }

  async next(): Promise<Line | undefined> {
    if (this.pushedBack !== undefined) {
      const line = this.pushedBack;
      this.pushedBack = undefined;
      return line;
    }
    for (;;) {
      const text = this.ready.shift();
      if (text !== undefined) {
        this.number += 1;
        if (text.trim() === '') continue;
        return { number: this.number, value: this.parse(text) };
      }
      if (this.ended) return undefined;
      await this.fill();
    }
  }

  private parse(text: string): Record<string, unknown> {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw invalid(this.path, `line ${this.number} is not JSON`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(this.path, `line ${this.number} is not a JSON object`);
    return value as Record<string, unknown>;
  }

  private async fill(): Promise<void> {
    let result: IteratorResult<Buffer>;
    try {
      result = await this.source.next();
    } catch (error) {
      if (isGantryError(error)) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      throw new GantryError('BACKUP_INVALID', `${this.path} cannot be read as a gzipped Gantry backup: ${error instanceof Error ? error.message : String(error)}`, { where: this.path, ...(code ? { reason: code } : {}) }, { cause: error });
    }
    if (result.done) {
      this.ended = true;
      this.buffered += this.decoder.end();
      if (this.buffered !== '') this.ready.push(this.buffered);
      this.buffered = '';
      return;
    }
    this.buffered += this.decoder.write(result.value);
    const parts = this.buffered.split('\n');
    this.buffered = parts.pop() ?? '';
    this.ready.push(...parts);
  }
}
