import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveApplication } from '../../src/store/applications.repository.js';
import type { StoreDatabase } from '../../src/store/database.js';
import * as deployments from '../../src/store/deployments.repository.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();
const APPS = ['shop', 'cart', 'blog'];
const ENVIRONMENTS = ['staging', 'production'];

/**
 * Many nodes claiming at once (T23 at the store level): every runnable deployment is claimed by
 * exactly one of them, never two of one application and environment, the oldest first.
 */
for (const dialect of DIALECTS) {
  describe(`claiming work from many nodes at once (store: ${dialect})`, () => {
    let database: TestDatabase;
    let store: StoreDatabase;
    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      store = await database.open();
      let second = 0;
      for (const app of APPS) {
        await saveApplication(store.db, app, `app: ${app}\nenvironments:\n${ENVIRONMENTS.map((name) => `  - { name: ${name}, targets: { env: ${name} } }`).join('\n')}\n`, at(0));
        for (const environment of ENVIRONMENTS) {
          for (const copy of [1, 2]) {
            second += 1;
            await store.db.transaction().execute((trx) =>
              deployments.insertDeployment(trx, { id: `${app}-${environment}-${copy}`, app, environment, version: '1.0.0', kind: 'deploy', forced: false, createdAt: at(second), idempotencyKey: null }, [{ type: 'deployment:queued' }]),
            );
          }
        }
      }
    });
    afterAll(async () => {
      await store?.close();
      await database?.drop();
    });

    it('gives each runnable deployment to exactly one claimer', async () => {
      const claims = await Promise.all(Array.from({ length: 20 }, (_, index) => deployments.claimDeployment(store.db, `node-${index}/1`, () => ({ now: at(30), leaseExpiresAt: at(60) }), store.capabilities)));
      const won = claims.filter((lease) => lease !== null).map((lease) => lease.deploymentId);
      expect(won.sort()).toEqual(APPS.flatMap((app) => ENVIRONMENTS.map((environment) => `${app}-${environment}-1`)).sort());
      expect(await deployments.claimDeployment(store.db, 'node-late/1', () => ({ now: at(31), leaseExpiresAt: at(60) }), store.capabilities)).toBeNull();
      const started = await store.db.selectFrom('events').select('deployment_id').where('type', '=', 'deployment:started').execute();
      expect(started.map((row) => row.deployment_id).sort()).toEqual(won.sort());
    });
  });
}
