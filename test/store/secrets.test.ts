import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyManifest } from '../../src/app/applications.js';
import type { AppDeps } from '../../src/app/app-deps.js';
import { createSecretSource, listSecrets, removeSecret, rotateMasterKey, setSecret, verifyMasterKey, type SecretDeps } from '../../src/app/secrets.js';
import { FULL_ACCESS } from '../../src/core/access/access.js';
import type { Actor } from '../../src/core/actor.js';
import { isGantryError } from '../../src/core/errors.js';
import { createKeyring, generateMasterKey, type SecretKeyring } from '../../src/secrets/envelope.js';
import type { StoreDatabase } from '../../src/store/database.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';

const MANIFEST = `app: shop
environments:
  - { name: staging, targets: { role: web } }
  - { name: production, targets: { role: web } }
strategy: { type: allAtOnce }
`;
const ADMIN: Actor = { user: 'alice', groups: [], access: FULL_ACCESS };
const STAGING_RELEASER: Actor = { user: 'bob', groups: [], access: [{ role: 'release-manager', apps: ['shop'], environments: ['staging'] }] };

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'no error';
  } catch (error) {
    if (isGantryError(error)) return error.code;
    throw error;
  }
}

for (const dialect of DIALECTS) {
  describe(`secrets on ${dialect}`, () => {
    let database: TestDatabase;
    let store: StoreDatabase;
    let keyring: SecretKeyring;
    const master = generateMasterKey();
    const depsWith = (ring: SecretKeyring): SecretDeps => ({ db: store.db, keyring: ring, clock: { now: () => new Date('2026-01-01T00:00:00Z'), sleep: async () => undefined } });
    let deps: SecretDeps;

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      store = await database.open();
      keyring = createKeyring(master, '/keys/current.key');
      deps = depsWith(keyring);
      expect(await verifyMasterKey(deps)).toEqual({ recorded: true });
      await applyManifest(deps as unknown as AppDeps, MANIFEST, 'gantry.yaml');
    });
    afterAll(async () => {
      await store?.close();
      await database?.drop();
    });

    it('stores, lists without values, resolves environment over *, and removes', async () => {
      await setSecret(deps, ADMIN, { app: 'shop', name: 'DB_URL', value: 'postgres://all' });
      await setSecret(deps, ADMIN, { app: 'shop', name: 'DB_URL', environment: 'production', value: 'postgres://prod' });
      await setSecret(deps, ADMIN, { app: 'shop', name: 'API_KEY', environment: 'staging', value: 'k-staging' });
      const listed = await listSecrets(deps, 'shop');
      expect(listed.map((entry) => [entry.name, entry.environment, entry.updatedBy])).toEqual([
        ['API_KEY', 'staging', 'alice'],
        ['DB_URL', '*', 'alice'],
        ['DB_URL', 'production', 'alice'],
      ]);
      expect(JSON.stringify(listed)).not.toMatch(/postgres:|k-staging/);

      const source = createSecretSource(deps);
      expect(Object.fromEntries(await source.valuesFor('shop', 'production'))).toEqual({ DB_URL: 'postgres://prod' });
      expect(Object.fromEntries(await source.valuesFor('shop', 'staging'))).toEqual({ DB_URL: 'postgres://all', API_KEY: 'k-staging' });
      expect((await source.valuesFor('cart', 'staging')).size).toBe(0);

      await setSecret(deps, ADMIN, { app: 'shop', name: 'DB_URL', environment: 'production', value: 'postgres://prod-2' });
      expect((await source.valuesFor('shop', 'production')).get('DB_URL')).toBe('postgres://prod-2');
      await removeSecret(deps, ADMIN, { app: 'shop', name: 'DB_URL', environment: 'production' });
      expect((await source.valuesFor('shop', 'production')).get('DB_URL')).toBe('postgres://all');
      expect(await codeOf(removeSecret(deps, ADMIN, { app: 'shop', name: 'DB_URL', environment: 'production' }))).toBe('SECRET_NOT_FOUND');
    });

    it('refuses bad names and values, unknown apps and environments, without quoting the value', async () => {
      const refused = async (input: Parameters<typeof setSecret>[2]) => {
        try {
          await setSecret(deps, ADMIN, input);
          return 'no error';
        } catch (error) {
          if (!isGantryError(error)) throw error;
          expect(error.message).not.toContain('s3cr3t-value');
          return error.code;
        }
      };
      expect(await refused({ app: 'shop', name: 'GANTRY_TOKEN', value: 's3cr3t-value' })).toBe('REQUEST_INVALID');
      expect(await refused({ app: 'shop', name: '1BAD', value: 's3cr3t-value' })).toBe('REQUEST_INVALID');
      expect(await refused({ app: 'shop', name: 'BAD-NAME', value: 's3cr3t-value' })).toBe('REQUEST_INVALID');
      expect(await refused({ app: 'shop', name: 'EMPTY', value: '' })).toBe('REQUEST_INVALID');
      expect(await refused({ app: 'shop', name: 'NUL', value: 's3cr3t-value\0' })).toBe('REQUEST_INVALID');
      expect(await refused({ app: 'shop', name: 'HUGE', value: 's3cr3t-value'.padEnd(64 * 1024 + 1, 'x') })).toBe('REQUEST_INVALID');
      expect(await refused({ app: 'shop', name: 'MAX', value: 'x'.repeat(64 * 1024) })).toBe('no error');
      expect(await refused({ app: 'nope', name: 'OK', value: 's3cr3t-value' })).toBe('APP_NOT_FOUND');
      expect(await refused({ app: 'shop', name: 'OK', environment: 'qa', value: 's3cr3t-value' })).toBe('ENVIRONMENT_NOT_FOUND');
      await removeSecret(deps, ADMIN, { app: 'shop', name: 'MAX' });
    });

    it('lets a token bound to staging write staging secrets only, not production or every environment', async () => {
      await setSecret(deps, STAGING_RELEASER, { app: 'shop', name: 'STAGED', environment: 'staging', value: 'v' });
      expect(await codeOf(setSecret(deps, STAGING_RELEASER, { app: 'shop', name: 'STAGED', environment: 'production', value: 'v' }))).toBe('PERMISSION_DENIED');
      expect(await codeOf(setSecret(deps, STAGING_RELEASER, { app: 'shop', name: 'STAGED', value: 'v' }))).toBe('PERMISSION_DENIED');
      expect(await codeOf(removeSecret(deps, STAGING_RELEASER, { app: 'shop', name: 'DB_URL' }))).toBe('PERMISSION_DENIED');
      await removeSecret(deps, STAGING_RELEASER, { app: 'shop', name: 'STAGED', environment: 'staging' });
    });

    it('fails closed on a row that does not decrypt, naming it and never a value', async () => {
      await setSecret(deps, ADMIN, { app: 'shop', name: 'TAMPERED', environment: 'staging', value: 'tamper-me' });
      const copy = { ...(await store.db.selectFrom('secrets').selectAll().where('name', '=', 'TAMPERED').executeTakeFirstOrThrow()) };
      // Copied to another name: the identity bound into the ciphertext no longer matches.
      await store.db.insertInto('secrets').values({ ...copy, name: 'COPIED' }).execute();
      try {
        await createSecretSource(deps).valuesFor('shop', 'staging');
        expect.unreachable();
      } catch (error) {
        expect(isGantryError(error) && error.code).toBe('SECRET_UNREADABLE');
        expect((error as Error).message).toContain('COPIED');
        expect((error as Error).message).toContain('shop');
        expect((error as Error).message).not.toContain('tamper-me');
      }
      await store.db.deleteFrom('secrets').where('name', '=', 'COPIED').execute();
      await sql`update secrets set ciphertext = ${Buffer.from('xxxxxxxxx').toString('base64')} where name = 'TAMPERED'`.execute(store.db);
      expect(await codeOf(createSecretSource(deps).valuesFor('shop', 'staging'))).toBe('SECRET_UNREADABLE');
      await removeSecret(deps, ADMIN, { app: 'shop', name: 'TAMPERED', environment: 'staging' });
    });

    it('a wrong master key fails closed: at start (MASTER_KEY_INVALID) and when reading (SECRET_UNREADABLE)', async () => {
      const wrong = depsWith(createKeyring(generateMasterKey(), '/keys/wrong.key'));
      try {
        await verifyMasterKey(wrong);
        expect.unreachable();
      } catch (error) {
        expect(isGantryError(error) && error.code).toBe('MASTER_KEY_INVALID');
        expect((error as Error).message).toContain('/keys/wrong.key');
      }
      expect(await codeOf(createSecretSource(wrong).valuesFor('shop', 'staging'))).toBe('SECRET_UNREADABLE');
      expect(await codeOf(setSecret(wrong, ADMIN, { app: 'shop', name: 'X', value: 'v' }))).toBe('MASTER_KEY_INVALID');
    });

    it('rotation re-wraps every secret: the new key reads them, the old one no longer does', async () => {
      const before = Object.fromEntries(await createSecretSource(deps).valuesFor('shop', 'staging'));
      const ciphertexts = await store.db.selectFrom('secrets').select(['name', 'environment', 'ciphertext']).orderBy('name').orderBy('environment').execute();
      expect(Object.keys(before).length).toBeGreaterThan(0);
      const next = createKeyring(generateMasterKey(), '/keys/next.key');
      const operator = { actor: 'os:operator', address: 'local' };
      expect(await codeOf(rotateMasterKey(deps, createKeyring(master, '/keys/same-again.key'), operator))).toBe('REQUEST_INVALID');
      const { rewrapped } = await rotateMasterKey(deps, next, operator);
      expect(rewrapped).toBe(ciphertexts.length);
      const nextDeps = depsWith(next);
      expect(await verifyMasterKey(nextDeps)).toEqual({ recorded: false });
      expect(Object.fromEntries(await createSecretSource(nextDeps).valuesFor('shop', 'staging'))).toEqual(before);
      expect(await store.db.selectFrom('secrets').select(['name', 'environment', 'ciphertext']).orderBy('name').orderBy('environment').execute()).toEqual(ciphertexts);
      expect(await codeOf(verifyMasterKey(deps))).toBe('MASTER_KEY_INVALID');
      expect(await codeOf(createSecretSource(deps).valuesFor('shop', 'staging'))).toBe('SECRET_UNREADABLE');
      // A server still running with the old key cannot write with it.
      expect(await codeOf(setSecret(deps, ADMIN, { app: 'shop', name: 'LATE', value: 'v' }))).toBe('MASTER_KEY_INVALID');
      // Nothing half-done: rotating from a key that is not the store's changes nothing.
      expect(await codeOf(rotateMasterKey(deps, createKeyring(generateMasterKey(), '/keys/other.key'), operator))).toBe('MASTER_KEY_INVALID');
      expect(Object.fromEntries(await createSecretSource(nextDeps).valuesFor('shop', 'staging'))).toEqual(before);
      deps = nextDeps;
    });
  });
}
