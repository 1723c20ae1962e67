/**
 * Loads the master key that wraps every secret's data key: 32 random bytes, base64, from the
 * environment variable `GANTRY_MASTER_KEY` or from a file. `GANTRY_MASTER_KEY_FILE` names the file
 * (and it must exist); with neither set, `<data dir>/master.key` is used, and created (mode 0600)
 * when missing, so that a laptop start works with nothing set up. Setting both is refused.
 * Messages name the file or the variable, never the key (nor any part of it).
 */
import { constants } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GantryError } from '../core/errors.js';
import { createKeyring, generateMasterKey, MASTER_KEY_BYTES, type SecretKeyring } from '../secrets/envelope.js';

export const DEFAULT_MASTER_KEY_FILE = 'master.key';
/** The keyring's `source` when the key came from `GANTRY_MASTER_KEY`. */
export const MASTER_KEY_ENV_SOURCE = 'environment variable GANTRY_MASTER_KEY';

export interface LoadedMasterKey {
  readonly keyring: SecretKeyring;
  /** The key file; null when the key came from `GANTRY_MASTER_KEY`. */
  readonly path: string | null;
  /** The file was created by this start (first start with the default location). */
  readonly created: boolean;
  /** Group or others may read the file: worth a warning. */
  readonly readableByOthers: boolean;
}

function invalid(path: string, problem: string): GantryError {
  return new GantryError('MASTER_KEY_INVALID', `master key file ${path} ${problem}`, { where: 'GANTRY_MASTER_KEY_FILE' });
}

const NOT_A_KEY = `does not hold a master key: it must be ${MASTER_KEY_BYTES} random bytes in base64 (make one with: openssl rand -base64 32)`;

/**
 * Base64 text (surrounding whitespace ignored) → the key's bytes, or null when it is not base64
 * of exactly 32 bytes. The caller zeroes the bytes once the keyring holds its copy.
 */
function decodeMasterKey(text: string): Buffer | null {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) return null;
  const bytes = Buffer.from(trimmed, 'base64');
  if (bytes.length === MASTER_KEY_BYTES) return bytes;
  bytes.fill(0);
  return null;
}

function keyringOf(bytes: Buffer, source: string): SecretKeyring {
  try {
    return createKeyring(bytes, source);
  } finally {
    bytes.fill(0);
  }
}

/** The key given in `GANTRY_MASTER_KEY`; the error never repeats the value. */
export function readMasterKeyText(text: string): LoadedMasterKey {
  const bytes = decodeMasterKey(text);
  if (!bytes) throw new GantryError('MASTER_KEY_INVALID', `GANTRY_MASTER_KEY ${NOT_A_KEY}`, { where: 'GANTRY_MASTER_KEY' });
  return { keyring: keyringOf(bytes, MASTER_KEY_ENV_SOURCE), path: null, created: false, readableByOthers: false };
}

/** Reads a key file: base64 of exactly 32 bytes, surrounding whitespace ignored. */
export async function readMasterKeyFile(path: string): Promise<LoadedMasterKey & { readonly path: string }> {
  let text: string;
  let mode: number;
  try {
    text = await readFile(path, 'utf8');
    mode = (await stat(path)).mode;
  } catch (error) {
    throw invalid(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  const bytes = decodeMasterKey(text);
  if (!bytes) throw invalid(path, NOT_A_KEY);
  return { keyring: keyringOf(bytes, path), path, created: false, readableByOthers: (mode & (constants.S_IRWXG | constants.S_IRWXO)) !== 0 };
}

/**
 * The server's master key: from `keyText` (`GANTRY_MASTER_KEY`) when given, else from `keyFile`
 * when given (it must exist: a typo must not silently start a new key), else from
 * `<dataDir>/master.key`, created at the first start. `keyText` and `keyFile` together are refused.
 */
export async function loadMasterKey(options: {
  readonly dataDir: string;
  readonly keyText?: string | undefined;
  readonly keyFile?: string | undefined;
  readonly createIfMissing?: boolean;
}): Promise<LoadedMasterKey> {
  if (options.keyText !== undefined) {
    if (options.keyFile !== undefined) {
      throw new GantryError('MASTER_KEY_INVALID', 'GANTRY_MASTER_KEY and GANTRY_MASTER_KEY_FILE are both set: set only one of them', { where: 'GANTRY_MASTER_KEY' });
    }
    return readMasterKeyText(options.keyText);
  }
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
