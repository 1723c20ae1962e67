/**
 * Offline store administration (issue 7): `gantry migrate` (an embedded SQLite installation into
 * an empty PostgreSQL database), `gantry backup` and `gantry restore` (either store, selected as
 * `gantry serve` selects it: --data and GANTRY_DATABASE_URL). See store-snapshot.ts for how a
 * store is read and written, backup-file.ts for the file. Secrets are copied as they are stored,
 * encrypted: the master key never goes along, and the output says so.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadServerConfig } from '../config/server-config.js';
import { GantryError } from '../core/errors.js';
import { migrateDatabase, openDatabase, type DatabaseLocation, type StoreDatabase } from '../store/database.js';
import { LATEST_MIGRATION } from '../store/migrations/index.js';
import { appliedSchemaVersion } from '../store/store-copy.js';
import { offlineOperator } from './offline-operator.js';
import { BACKUP_FORMAT, BACKUP_FORMAT_VERSION, MASTER_KEY_NOTE, openBackupFile, writeBackupFile } from './backup-file.js';
import { archivePlaceOf, asStoreError, readStoreSnapshot, summaryLines, writeStoreSnapshot, type ArchivePlace, type CopySummary } from './store-snapshot.js';

interface Writer {
  write(chunk: string): unknown;
}

type Env = Readonly<Record<string, string | undefined>>;

const POSTGRES_URL = /^postgres(ql)?:\/\//;

/** `gantry migrate --from sqlite:PATH --to postgres://…` */
export async function runMigrate(
  flags: { readonly from?: string; readonly to: string; readonly dataDir: string; readonly artifactDir?: string; readonly cwd: string },
  out: Writer = process.stdout,
): Promise<number> {
  const sqlitePath = flags.from === undefined ? join(flags.dataDir, 'gantry.db') : parseSqliteSource(flags.from, flags.cwd);
  if (!POSTGRES_URL.test(flags.to)) throw new GantryError('REQUEST_INVALID', `--to must be a postgres:// URL, not ${JSON.stringify(redactUrl(flags.to))}`, { where: '--to' });
  if (!existsSync(sqlitePath)) throw new GantryError('REQUEST_INVALID', `there is no SQLite database at ${sqlitePath} (see --from and --data)`, { where: '--from' });
  const archives: ArchivePlace = { kind: 'files', dir: flags.artifactDir ?? join(dirname(sqlitePath), 'artifacts') };
  const to = redactUrl(flags.to);

  // Checked in this order so that nothing is written anywhere when either end is wrong: the
  // source is a Gantry database, the target can be reached; then both are brought up to date.
  const source = openDatabase({ sqlitePath });
  try {
    if ((await appliedSchemaVersion(source.db).catch(() => null)) === null) {
      throw new GantryError('REQUEST_INVALID', `${sqlitePath} is not a Gantry database (it has no gantry_migrations table)`, { where: '--from' });
    }
    const target = await openMigrated({ postgresUrl: flags.to }, `the PostgreSQL database ${to}`);
    try {
      await migrateDatabase(source).catch((error: unknown) => {
        throw asStoreError(error, `the SQLite database ${sqlitePath} cannot be opened`);
      });
      const summary = await readStoreSnapshot(source, archives, (_schema, items) =>
        writeStoreSnapshot(target, { kind: 'database' }, items, {
          archiveMismatch: (digest, what) => new GantryError('BACKUP_INVALID', `the archive file ${digest}.tar.gz in ${archives.dir} is damaged (${what}); nothing was copied`, { where: `${archives.dir}/sha256/${digest}.tar.gz` }),
          audit: (summary) => ({ ...offlineOperator(), action: 'migrate', resource: to, outcome: 'done', details: { from: `sqlite:${sqlitePath}`, to, ...copiedCounts(summary) } }),
        }),
      ).catch((error: unknown) => {
        throw asStoreError(error, `reading ${sqlitePath} failed; nothing was copied`);
      });
      out.write(
        [
          `Copied sqlite:${sqlitePath} into ${to} (schema ${LATEST_MIGRATION}), in one transaction:`,
          ...summaryLines(summary),
          'Secrets were copied encrypted; the master key is not in the database. Start every gantry serve node with',
          `GANTRY_DATABASE_URL=${to} and the same master key (GANTRY_MASTER_KEY, GANTRY_MASTER_KEY_FILE, or a copy of master.key in its data directory).`,
          `Existing API tokens keep working. ${sqlitePath} and its archives stay where they are: keep them until the new installation is proven.`,
          '',
        ].join('\n'),
      );
      return 0;
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

/** `gantry backup --output FILE` */
export async function runBackup(flags: { readonly dataDir: string; readonly output: string }, env: Env, out: Writer = process.stdout): Promise<number> {
  const config = loadServerConfig({ dataDir: flags.dataDir }, env as NodeJS.ProcessEnv);
  if (existsSync(flags.output)) throw new GantryError('REQUEST_INVALID', `${flags.output} exists already; choose another file name`, { where: '--output' });
  const location = locationOf(config.databaseUrl, config.dataDir);
  if ('sqlitePath' in location && !existsSync(location.sqlitePath)) {
    throw new GantryError('REQUEST_INVALID', `there is no Gantry database at ${location.sqlitePath} (see --data, or set GANTRY_DATABASE_URL)`, { where: '--data' });
  }
  const what = describeLocation(location);
  // No migration here: the store is read as it is, perhaps while a server runs on it.
  const store = openDatabase(location);
  try {
    const { summary, bytes } = await readStoreSnapshot(store, archivePlaceOf(config), (schema, items) =>
      writeBackupFile(
        flags.output,
        { format: BACKUP_FORMAT, formatVersion: BACKUP_FORMAT_VERSION, schema, createdAt: new Date().toISOString(), source: 'postgresUrl' in location ? 'postgresql' : 'sqlite', masterKey: MASTER_KEY_NOTE },
        items,
      ),
    ).catch((error: unknown) => {
      throw asStoreError(error, `reading ${what} failed; no backup was written`);
    });
    out.write(
      [
        `Backed up ${what} (schema ${LATEST_MIGRATION}, one consistent snapshot) to ${flags.output} (${bytes} bytes):`,
        ...summaryLines(summary),
        'Secrets are in the backup encrypted; the master key is NOT in it. Keep the master key (master.key, GANTRY_MASTER_KEY or',
        'GANTRY_MASTER_KEY_FILE) safe separately: without it the restored secrets cannot be read and gantry serve will not start.',
        '',
      ].join('\n'),
    );
    return 0;
  } finally {
    await store.close();
  }
}

/** `gantry restore --input FILE` */
export async function runRestore(flags: { readonly dataDir: string; readonly input: string }, env: Env, out: Writer = process.stdout): Promise<number> {
  const config = loadServerConfig({ dataDir: flags.dataDir }, env as NodeJS.ProcessEnv);
  if (!existsSync(flags.input)) throw new GantryError('REQUEST_INVALID', `there is no file ${flags.input}`, { where: '--input' });
  const backup = await openBackupFile(flags.input);
  try {
    if (backup.header.schema !== LATEST_MIGRATION) {
      throw new GantryError(
        'SCHEMA_MISMATCH',
        `${flags.input} was made at schema ${backup.header.schema}, this Gantry is at ${LATEST_MIGRATION}: restore it with the Gantry version that made it, then start that version's successor on it`,
        { schema: backup.header.schema, expected: LATEST_MIGRATION },
      );
    }
    const location = locationOf(config.databaseUrl, config.dataDir);
    const what = describeLocation(location);
    const store = await openMigrated(location, what);
    try {
      const summary = await writeStoreSnapshot(store, archivePlaceOf(config), backup.items, {
        archiveMismatch: (digest, why) => new GantryError('BACKUP_INVALID', `${flags.input}: the archive ${digest} in it is damaged (${why}); nothing was restored`, { where: flags.input }),
        audit: (copied) => ({
          ...offlineOperator(env),
          action: 'restore',
          resource: what,
          outcome: 'done',
          details: { input: flags.input, madeAt: backup.header.createdAt, madeFrom: backup.header.source, ...copiedCounts(copied) },
        }),
      });
      out.write(
        [
          `Restored ${flags.input} (made ${backup.header.createdAt} from ${backup.header.source}, schema ${backup.header.schema}) into ${what}, in one transaction:`,
          ...summaryLines(summary),
          'Secrets were restored encrypted: start gantry serve with the master key the backed-up store used (it is not in the backup).',
          '',
        ].join('\n'),
      );
      return 0;
    } finally {
      await store.close();
    }
  } finally {
    backup.close();
  }
}

/** What an audit record of a copy says about it: how many rows and archives. */
function copiedCounts(summary: CopySummary): { rows: number; archives: number } {
  return { rows: Object.values(summary.tables).reduce((sum, count) => sum + count, 0), archives: summary.archives };
}

/** `sqlite:PATH` (PATH relative to `cwd`). */
function parseSqliteSource(from: string, cwd: string): string {
  const match = /^sqlite:(.+)$/.exec(from);
  if (!match) throw new GantryError('REQUEST_INVALID', `--from must be sqlite:PATH (the embedded installation's gantry.db), not ${JSON.stringify(from)}`, { where: '--from' });
  return resolve(cwd, match[1]!);
}

function locationOf(databaseUrl: string | undefined, dataDir: string): DatabaseLocation {
  return databaseUrl ? { postgresUrl: databaseUrl } : { sqlitePath: join(dataDir, 'gantry.db') };
}

function describeLocation(location: DatabaseLocation): string {
  return 'postgresUrl' in location ? redactUrl(location.postgresUrl) : `sqlite:${location.sqlitePath}`;
}

/** Opens the database and brings its schema up to date (as gantry serve would). */
async function openMigrated(location: DatabaseLocation, what: string): Promise<StoreDatabase> {
  const store = openDatabase(location);
  try {
    await migrateDatabase(store);
    return store;
  } catch (error) {
    await store.close();
    throw error instanceof GantryError ? error : new GantryError('STORE_UNAVAILABLE', `${what} cannot be opened: ${error instanceof Error ? error.message : String(error)}`, {}, { cause: error });
  }
}

/** The URL without its password, for output. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
  }
}
