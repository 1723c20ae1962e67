import { Migrator } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, migrateDatabase, type StoreDatabase } from '../../src/store/database.js';
import { findApiTokenBySha256 } from '../../src/store/api-tokens.repository.js';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { findUser } from '../../src/store/users.repository.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';

/**
 * Migration 0010 turns each user's and token's single role and scope into one role binding: an
 * installation upgraded from before teams keeps exactly the access it had, and its login tokens
 * are known as logins.
 */
for (const dialect of DIALECTS) {
  describe(`migrating to several role bindings (store: ${dialect})`, () => {
    let database: TestDatabase;
    let store: StoreDatabase;
    afterAll(async () => {
      await store?.close();
      await database?.drop();
    });

    it('keeps every user and token at the role and scope it had', async () => {
      database = await createTestDatabase(dialect);
      store = openDatabase(database.postgresUrl ? { postgresUrl: database.postgresUrl } : { sqlitePath: database.sqlitePath! });
      const migrator = new Migrator({ db: store.db, provider: migrationProvider(store.capabilities), migrationTableName: 'gantry_migrations', migrationLockTableName: 'gantry_migrations_lock' });
      expect((await migrator.migrateTo('2026_11_27_0009_users')).error).toBeUndefined();
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows of the schema as it was before 0010
      const db = store.db as any;
      await db.insertInto('users').values({ name: 'ann', role: 'deployer', apps_json: '["shop","cart"]', environments_json: '["staging"]', groups_json: '["cab"]', created_at: 'then', updated_at: 'then' }).execute();
      await db
        .insertInto('api_tokens')
        .values({ id: 'tok-1', token_sha256: 'aa', label: 'ci', created_at: 'then', user_name: 'ci', role: 'approver', apps_json: '["*"]', environments_json: '["production"]' })
        .execute();
      await db.insertInto('api_tokens').values({ id: 'tok-2', token_sha256: 'bb', label: 'login of ann', created_at: 'then', user_name: 'ann', role: 'deployer', apps_json: '["shop"]', environments_json: '["*"]' }).execute();

      await migrateDatabase(store);
      expect(await findUser(store.db, 'ann')).toMatchObject({ kind: 'person', groups: ['cab'], bindings: [{ role: 'deployer', apps: ['shop', 'cart'], environments: ['staging'] }] });
      expect(await findApiTokenBySha256(store.db, 'aa', 'api')).toMatchObject({ origin: 'minted', access: [{ role: 'approver', apps: ['*'], environments: ['production'] }] });
      // Logins made before tokens recorded their origin are known by their label, so a password change ends them too.
      expect(await findApiTokenBySha256(store.db, 'bb', 'api')).toMatchObject({ origin: 'login', access: [{ role: 'deployer', apps: ['shop'], environments: ['*'] }] });
    });
  });
}
