/**
 * `gantry secret rotate-master-key`: offline (every server stopped), against the store `gantry
 * serve` would open. Verifies the current key, re-wraps every secret's data key under the new key
 * in one transaction, and makes the new key the store's. Afterwards the store opens only with the
 * new key; the old one can be destroyed once the new one is in place and backed up. The new key
 * always comes from a file; when the current one is in GANTRY_MASTER_KEY, the operator is told to
 * put the new file's content there (the key itself is never printed).
 */
import { join } from 'node:path';
import { rotateMasterKey } from '../app/secrets.js';
import { loadMasterKey, readMasterKeyFile } from '../config/master-key.js';
import { loadServerConfig } from '../config/server-config.js';
import { GantryError } from '../core/errors.js';
import { migrateDatabase, openDatabase } from '../store/database.js';
import { offlineOperator } from './offline-operator.js';
import { systemClock } from './system-clock.js';

interface Writer {
  write(chunk: string): unknown;
}

export async function runRotateMasterKey(
  flags: { readonly dataDir: string; readonly newKeyFile: string },
  env: Readonly<Record<string, string | undefined>>,
  out: Writer = process.stdout,
): Promise<number> {
  const config = loadServerConfig({ dataDir: flags.dataDir }, env as NodeJS.ProcessEnv);
  // The current key must exist: rotation never creates one.
  const current = await loadMasterKey({ dataDir: config.dataDir, keyText: config.masterKey, keyFile: config.masterKeyFile, createIfMissing: false });
  const next = await readMasterKeyFile(flags.newKeyFile);
  const store = openDatabase(config.databaseUrl ? { postgresUrl: config.databaseUrl } : { sqlitePath: join(config.dataDir, 'gantry.db') });
  try {
    try {
      await migrateDatabase(store);
    } catch (error) {
      throw error instanceof GantryError ? error : new GantryError('STORE_UNAVAILABLE', 'the database cannot be opened', {}, { cause: error });
    }
    const { rewrapped } = await rotateMasterKey({ db: store.db, keyring: current.keyring, clock: systemClock }, next.keyring, offlineOperator(env));
    out.write(
      `Re-wrapped ${rewrapped} secret${rewrapped === 1 ? '' : 's'} from master key ${current.keyring.keyId} (${current.keyring.source}) to ${next.keyring.keyId} (${next.path}).\n` +
        `The store now opens only with the new key: ${whereTheNewKeyGoes(current.path, config.masterKeyFile !== undefined, next.path)} before starting gantry serve, back it up, then destroy the old key.\n`,
    );
    return 0;
  } finally {
    await store.close();
  }
}

/** What the operator does with the new key file; never the key itself. `currentFile` is null when the key came from GANTRY_MASTER_KEY. */
function whereTheNewKeyGoes(currentFile: string | null, fromKeyFileVariable: boolean, newFile: string): string {
  if (currentFile === null) return `set GANTRY_MASTER_KEY to the content of ${newFile} (for example GANTRY_MASTER_KEY="$(cat ${newFile})")`;
  if (fromKeyFileVariable) return `point GANTRY_MASTER_KEY_FILE at ${newFile}`;
  return `move ${newFile} to ${currentFile} (mode 0600)`;
}
