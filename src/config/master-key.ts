/**
 * Loads the master key that wraps every secret's data key: 32 random bytes, base64, in a file.
 * `GANTRY_MASTER_KEY_FILE` names it (and it must exist); without it, `<data dir>/master.key` is
 * used, and created (mode 0600) when missing, so that a laptop start works with nothing set up.
 * Messages name the file, never its content.
 */
import { constants } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GantryError } from '../core/errors.js';
import { createKeyring, generateMasterKey, MASTER_KEY_BYTES, type SecretKeyring } from '../secrets/envelope.js';

export const DEFAULT_MASTER_KEY_FILE = 'master.key';

export interface LoadedMasterKey {
  readonly keyring: SecretKeyring;
  readonly path: string;
  /** The file was created by this start (first start with the default location). */
  readonly created: boolean;
  /** Group or others may read the file: worth a warning. */
  readonly readableByOthers: boolean;
}

function invalid(path: string, problem: string): GantryError {
  return new GantryError('MASTER_KEY_INVALID', `master key file ${path} ${problem}`, { where: 'GANTRY_MASTER_KEY_FILE' });
}

/** Reads a key file: base64 of exactly 32 bytes, surrounding whitespace ignored. */
export async function readMasterKeyFile(path: string): Promise<LoadedMasterKey> {
  let text: string;
  let mode: number;
  try {
    text = await readFile(path, 'utf8');
    mode = (await stat(path)).mode;
  } catch (error) {
    throw invalid(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  const trimmed = text.trim();
  const bytes = Buffer.from(trimmed, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || bytes.length !== MASTER_KEY_BYTES) {
    throw invalid(path, `does not hold a master key: it must be ${MASTER_KEY_BYTES} random bytes in base64 (make one with: openssl rand -base64 32)`);
  }
  try {
    return { keyring: createKeyring(bytes, path), path, created: false, readableByOthers: (mode & (constants.S_IRWXG | constants.S_IRWXO)) !== 0 };
  } finally {
    bytes.fill(0);
  }
}

/**
 * The server's master key: from `keyFile` when given (it must exist: a typo must not silently
 * start a new key), else from `<dataDir>/master.key`, created at the first start.
 */
export async function loadMasterKey(options: { readonly dataDir: string; readonly keyFile?: string | undefined; readonly createIfMissing?: boolean }): Promise<LoadedMasterKey> {
  if (options.keyFile !== undefined) return readMasterKeyFile(options.keyFile);
  const path = join(options.dataDir, DEFAULT_MASTER_KEY_FILE);
  if (options.createIfMissing ?? true) {
    const key = generateMasterKey();
    try {
      // `wx`: never overwrite a key that exists (another process may have just made it).
      await writeFile(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
      return { keyring: createKeyring(key, path), path, created: true, readableByOthers: false };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw invalid(path, `cannot be created (${(error as NodeJS.ErrnoException).code ?? 'unwritable'})`);
    } finally {
      key.fill(0);
    }
  }
  return readMasterKeyFile(path);
}
