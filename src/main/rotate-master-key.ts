/**
 * `gantry secret rotate-master-key`: offline (every server stopped), against the store `gantry
 * serve` would open. Verifies the current key, re-wraps every secret's data key under the new key
 * in one transaction, and makes the new key the store's. Afterwards the store opens only with the
 * new key; the old one can be destroyed once the new one is in place and backed up.
 */
import { join } from 'node:path';
import { rotateMasterKey } from '../app/secrets.js';
import { loadMasterKey, readMasterKeyFile } from '../config/master-key.js';
import { loadServerConfig } from '../config/server-config.js';
import { GantryError } from '../core/errors.js';
import { migrateDatabase, openDatabase } from '../store/database.js';
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
  const current = await loadMasterKey({ dataDir: config.dataDir, keyFile: config.masterKeyFile, createIfMissing: false });
  const next = await readMasterKeyFile(flags.newKeyFile);
  const store = openDatabase(config.databaseUrl ? { postgresUrl: config.databaseUrl } : { sqlitePath: join(config.dataDir, 'gantry.db') });
  try {
    try {
      await migrateDatabase(store);
    } catch (error) {
      throw error instanceof GantryError ? error : new GantryError('STORE_UNAVAILABLE', 'the database cannot be opened', {}, { cause: error });
    }
    const { rewrapped } = await rotateMasterKey({ db: store.db, keyring: current.keyring, clock: systemClock }, next.keyring);
    out.write(
      `Re-wrapped ${rewrapped} secret${rewrapped === 1 ? '' : 's'} from master key ${current.keyring.keyId} (${current.path}) to ${next.keyring.keyId} (${next.path}).\n` +
        `The store now opens only with the new key: ${config.masterKeyFile ? `point GANTRY_MASTER_KEY_FILE at ${next.path}` : `move ${next.path} to ${current.path} (mode 0600)`} before starting gantry serve, back it up, then destroy the old key.\n`,
    );
    return 0;
  } finally {
    await store.close();
  }
}
