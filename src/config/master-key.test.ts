import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isGantryError } from '../core/errors.js';
import { createKeyring } from '../secrets/envelope.js';
import { loadMasterKey, MASTER_KEY_ENV_SOURCE } from './master-key.js';

const IDENTITY = { app: 'shop', environment: 'production', name: 'DB_PASSWORD' };

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('the key was loaded');
}

describe('the master key from GANTRY_MASTER_KEY or a file', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'gantry-master-key-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('uses the key in GANTRY_MASTER_KEY: what it seals, the same key opens; no file is made', async () => {
    const key = randomBytes(32);
    const loaded = await loadMasterKey({ dataDir, keyText: `${key.toString('base64')}\n` });
    expect(loaded).toMatchObject({ path: null, created: false, readableByOthers: false });
    expect(loaded.keyring.source).toBe('environment variable GANTRY_MASTER_KEY');
    expect(loaded.keyring.source).toBe(MASTER_KEY_ENV_SOURCE);
    const sealed = loaded.keyring.seal(IDENTITY, 's3cret');
    expect(createKeyring(key, 'same.key').open(IDENTITY, sealed)).toBe('s3cret');
    expect(createKeyring(key, 'same.key').keyId).toBe(loaded.keyring.keyId);
    await expect(loadMasterKey({ dataDir, createIfMissing: false })).rejects.toMatchObject({ code: 'MASTER_KEY_INVALID' });
  });

  it('wins over the default file in the data dir', async () => {
    const created = await loadMasterKey({ dataDir });
    expect(created.created).toBe(true);
    const key = randomBytes(32);
    const loaded = await loadMasterKey({ dataDir, keyText: key.toString('base64') });
    expect(loaded.keyring.keyId).toBe(createKeyring(key, 'x').keyId);
    expect(loaded.keyring.keyId).not.toBe(created.keyring.keyId);
  });

  it('refuses GANTRY_MASTER_KEY and GANTRY_MASTER_KEY_FILE together', async () => {
    const keyFile = join(dataDir, 'other.key');
    writeFileSync(keyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    const error = await failure(loadMasterKey({ dataDir, keyText: randomBytes(32).toString('base64'), keyFile }));
    expect(isGantryError(error) && error.code).toBe('MASTER_KEY_INVALID');
    expect(error.message).toMatch(/GANTRY_MASTER_KEY and GANTRY_MASTER_KEY_FILE are both set: set only one/);
  });

  it('refuses a malformed GANTRY_MASTER_KEY without repeating any of it', async () => {
    const tooShort = randomBytes(31).toString('base64');
    const tooLong = randomBytes(33).toString('base64');
    const notBase64 = `${randomBytes(32).toString('hex')}!`;
    const withSpaceInside = `${randomBytes(16).toString('base64')} ${randomBytes(16).toString('base64')}`;
    for (const value of [tooShort, tooLong, notBase64, withSpaceInside, 'x']) {
      const error = await failure(loadMasterKey({ dataDir, keyText: value }));
      expect(isGantryError(error) && error.code).toBe('MASTER_KEY_INVALID');
      expect(isGantryError(error) && error.details).toMatchObject({ where: 'GANTRY_MASTER_KEY' });
      expect(error.message).toContain('GANTRY_MASTER_KEY does not hold a master key');
      const message = error.message.replace(/GANTRY_MASTER_KEY|openssl rand -base64 32/g, '');
      for (let start = 0; start + 6 <= value.length; start += 1) expect(message).not.toContain(value.slice(start, start + 6));
    }
  });

  it('still reads a key file, and refuses one that is not a key', async () => {
    const keyFile = join(dataDir, 'my.key');
    const key = randomBytes(32);
    writeFileSync(keyFile, `  ${key.toString('base64')}\n`, { mode: 0o600 });
    const loaded = await loadMasterKey({ dataDir, keyFile });
    expect(loaded).toMatchObject({ path: keyFile, created: false, readableByOthers: false });
    expect(loaded.keyring.source).toBe(keyFile);
    expect(loaded.keyring.keyId).toBe(createKeyring(key, 'x').keyId);
    writeFileSync(keyFile, `${randomBytes(31).toString('base64')}\n`);
    const error = await failure(loadMasterKey({ dataDir, keyFile }));
    expect(isGantryError(error) && error.code).toBe('MASTER_KEY_INVALID');
    expect(error.message).toContain(`master key file ${keyFile} does not hold a master key`);
    expect(error.message).not.toContain(readFileSync(keyFile, 'utf8').trim());
  });
});
