import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppDeps } from '../../src/app/app-deps.js';
import { loadChannelForSending, saveChannel } from '../../src/app/notification-channels.js';
import { rotateMasterKey, verifyMasterKey } from '../../src/app/secrets.js';
import { isGantryError } from '../../src/core/errors.js';
import { createKeyring, generateMasterKey, type SecretKeyring } from '../../src/secrets/envelope.js';
import type { StoreDatabase } from '../../src/store/database.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';

const SECRET = 'webhook-signing-secret-1';

for (const dialect of DIALECTS) {
  describe(`notification channel credentials on ${dialect}`, () => {
    let database: TestDatabase;
    let store: StoreDatabase;
    const depsWith = (keyring: SecretKeyring) => ({ db: store.db, keyring, clock: { now: () => new Date('2026-11-28T00:00:00Z'), sleep: async () => undefined } }) as unknown as AppDeps;

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      store = await database.open();
    });
    afterAll(async () => {
      await store?.close();
      await database?.drop();
    });

    it('are stored sealed, and follow a master key rotation', async () => {
      const first = depsWith(createKeyring(generateMasterKey(), '/keys/first.key'));
      await verifyMasterKey(first);
      const { channel } = await saveChannel(first, 'ops', { type: 'webhook', url: 'https://hooks.example.com/gantry', secret: SECRET });
      expect(channel.credentialsSet).toEqual(['secret']);
      const row = await store.db.selectFrom('notification_channels').selectAll().where('name', '=', 'ops').executeTakeFirstOrThrow();
      expect(JSON.stringify(row)).not.toContain(SECRET);
      expect(await loadChannelForSending(first, 'ops')).toEqual({ type: 'webhook', url: 'https://hooks.example.com/gantry', secret: SECRET });

      const next = depsWith(createKeyring(generateMasterKey(), '/keys/next.key'));
      await rotateMasterKey(first, next.keyring, { actor: 'os:operator', address: 'local' });
      expect(await loadChannelForSending(next, 'ops')).toEqual({ type: 'webhook', url: 'https://hooks.example.com/gantry', secret: SECRET });
      const stale = await loadChannelForSending(first, 'ops').then(
        () => 'no error',
        (error: unknown) => (isGantryError(error) ? error.code : 'other'),
      );
      expect(stale).toBe('NOTIFICATION_CHANNEL_UNREADABLE');
    });
  });
}
