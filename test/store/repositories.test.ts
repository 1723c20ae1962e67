import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { GantryError } from '../../src/core/errors.js';
import { LeaseLostError } from '../../src/engine/ports.js';
import { saveApplication, getApplication } from '../../src/store/applications.repository.js';
import { migrateDatabase, type StoreDatabase } from '../../src/store/database.js';
import * as deployments from '../../src/store/deployments.repository.js';
import { insertRelease, listReleases } from '../../src/store/releases.repository.js';
import { insertTarget, listTargets } from '../../src/store/targets.repository.js';
import { deleteWindow, getWindow, insertWindow, listWindows } from '../../src/store/calendar-windows.repository.js';
import { calendarWindowSchema } from '../../src/core/calendar/window.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';

const MANIFEST = 'app: shop\nenvironments:\n  - { name: staging, targets: { env: staging } }\n  - { name: production, targets: { env: production } }\n';
const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();

for (const dialect of DIALECTS) {
  describe(`store on ${dialect}`, () => {
    let database: TestDatabase;
    let store: StoreDatabase;

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      store = await database.open();
      await saveApplication(store.db, 'shop', MANIFEST, at(0));
    });
    afterAll(async () => {
      await store?.close();
      await database?.drop();
    });

    it('migrates idempotently and refuses a schema newer than the code', async () => {
      await migrateDatabase(store);
      await sql`insert into gantry_migrations (name, timestamp) values ('2999_01_01_0001_future', '2999-01-01')`.execute(store.db);
      await expect(migrateDatabase(store)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', message: expect.stringContaining('newer Gantry') });
      await sql`delete from gantry_migrations where name = '2999_01_01_0001_future'`.execute(store.db);
    });

    it('keeps applications and updates their manifest', async () => {
      expect(await saveApplication(store.db, 'shop', `${MANIFEST}keepReleases: 3\n`, at(1))).toBe(false);
      const application = await getApplication(store.db, 'shop');
      expect(application?.manifest.keepReleases).toBe(3);
      expect(application?.createdAt).toBe(at(0));
    });

    it('refuses a duplicate target and a duplicate release with their own codes', async () => {
      const target = { name: 'web-1', transport: { type: 'local' as const, root: '/tmp/x' }, labels: { env: 'staging' }, createdAt: at(2), lastSeenAt: null };
      await insertTarget(store.db, target);
      await expect(insertTarget(store.db, target)).rejects.toMatchObject({ code: 'TARGET_EXISTS' });
      expect((await listTargets(store.db)).map((t) => t.name)).toEqual(['web-1']);
      const release = { app: 'shop', version: '1.0.0', digest: 'a'.repeat(64), sizeBytes: 10, manifestSource: MANIFEST, commit: null, notes: null, createdAt: at(2) };
      await insertRelease(store.db, release);
      await expect(insertRelease(store.db, { ...release, digest: 'b'.repeat(64) })).rejects.toMatchObject({ code: 'RELEASE_EXISTS' });
      expect((await listReleases(store.db, 'shop'))[0]?.digest).toBe('a'.repeat(64));
    });

    it('keeps maintenance and freeze windows as validated definitions, names unique', async () => {
      const weekly = calendarWindowSchema.parse({ name: 'weekly', kind: 'maintenance', cron: '0 22 * * 6', duration: '4h', timeZone: 'Europe/Berlin', scope: { environments: ['production'], targetLabels: { role: 'web' } } });
      const holidays = calendarWindowSchema.parse({ name: 'holidays', kind: 'freeze', start: '2026-12-20T00:00:00+01:00', end: '2027-01-02T00:00:00+01:00' });
      await insertWindow(store.db, { window: weekly, createdAt: at(3) });
      await insertWindow(store.db, { window: holidays, createdAt: at(4) });
      await expect(insertWindow(store.db, { window: { ...holidays, kind: 'maintenance' }, createdAt: at(5) })).rejects.toMatchObject({ code: 'WINDOW_EXISTS', details: { where: 'name' } });
      expect(await getWindow(store.db, 'weekly')).toEqual({ window: weekly, createdAt: at(3) });
      expect((await listWindows(store.db)).map((stored) => [stored.window.name, stored.window.kind])).toEqual([['holidays', 'freeze'], ['weekly', 'maintenance']]);
      expect(await deleteWindow(store.db, 'holidays')).toBe(true);
      expect(await deleteWindow(store.db, 'holidays')).toBe(false);
      expect(await getWindow(store.db, 'holidays')).toBeNull();
      await store.db.updateTable('calendar_windows').set({ definition_json: JSON.stringify({ ...weekly, timeZone: 'Mars/Olympus' }) }).where('name', '=', 'weekly').execute();
      await expect(getWindow(store.db, 'weekly')).rejects.toMatchObject({ code: 'DATA_CORRUPT', details: { where: 'window weekly.definition' } });
      await deleteWindow(store.db, 'weekly');
    });

    it('runs one deployment per app and environment at a time, first in first out', async () => {
      const queue = async (id: string, environment: string, second: number) =>
        store.db.transaction().execute((trx) =>
          deployments.insertDeployment(trx, { id, app: 'shop', environment, version: '1.0.0', kind: 'deploy', forced: false, createdAt: at(second), idempotencyKey: null }, [{ type: 'deployment:queued' }]),
        );
      await queue('d1', 'staging', 10);
      await queue('d2', 'staging', 11);
      await queue('d3', 'production', 12);
      await queue('d4', 'staging', 13);
      const first = await deployments.claimDeployment(store.db, 'node-a/1', () => ({ now: at(20), leaseExpiresAt: at(40) }));
      const second = await deployments.claimDeployment(store.db, 'node-a/1', () => ({ now: at(20), leaseExpiresAt: at(40) }));
      expect([first?.deploymentId, second?.deploymentId]).toEqual(['d1', 'd3']);
      expect(await deployments.claimDeployment(store.db, 'node-a/1', () => ({ now: at(20), leaseExpiresAt: at(40) }))).toBeNull();
      const d4 = (await deployments.getDeployment(store.db, 'd4'))!;
      expect((await deployments.listQueuedAhead(store.db, d4)).map((d) => d.id)).toEqual(['d1', 'd2']);

      // The store itself refuses a second active deployment of the same app/environment.
      await expect(
        store.db.updateTable('deployments').set({ state: 'running', active_key: deployments.activeKeyOf('shop', 'staging') }).where('id', '=', 'd2').execute(),
      ).rejects.toThrow();

      await deployments.recordDeployment(store.db, first!, { state: 'succeeded', finishedAt: at(21) }, [{ type: 'deployment:succeeded' }], at(21));
      const next = await deployments.claimDeployment(store.db, 'node-a/1', () => ({ now: at(22), leaseExpiresAt: at(40) }));
      expect(next?.deploymentId).toBe('d2');
      expect(await deployments.hasSucceeded(store.db, 'shop', 'staging', '1.0.0')).toBe(true);
    });

    it('fences writes: after a takeover the old holder can change nothing', async () => {
      const running = (await deployments.getDeployment(store.db, 'd3'))!;
      expect(running.state).toBe('running');
      // Lease of d2/d3 expires at second 40: another node takes over after it.
      const takeover = await deployments.claimDeployment(store.db, 'node-b/1', () => ({ now: at(41), leaseExpiresAt: at(60) }));
      expect(takeover?.owner).toBe('node-b/1');
      const stale = { deploymentId: takeover!.deploymentId, owner: 'node-a/1', token: takeover!.token - 1 };
      await expect(deployments.recordDeployment(store.db, stale, { currentBatch: 5 }, [{ type: 'batch:started' }], at(42))).rejects.toBeInstanceOf(LeaseLostError);
      await deployments.recordDeployment(store.db, takeover!, { currentBatch: 1 }, [{ type: 'batch:started' }], at(42), [{ target: 'web-1', batch: 0 }]);
      const taskId = deployments.taskIdOf(takeover!.deploymentId, 'web-1');
      await expect(deployments.recordTask(store.db, stale, taskId, { state: 'running' }, [], at(43))).rejects.toBeInstanceOf(LeaseLostError);
      await deployments.recordTask(store.db, takeover!, taskId, { state: 'running', step: 'upload', attempt: 1 }, [{ type: 'task:step-started', target: 'web-1' }], at(43));
      expect(await deployments.renewLease(store.db, stale, at(99))).toBe(false);
      expect(await deployments.renewLease(store.db, takeover!, at(99))).toBe(true);
      const events = await deployments.listEvents(store.db, takeover!.deploymentId, 0);
      expect(events.map((event) => event.type)).toEqual(['deployment:queued', 'deployment:started', 'deployment:resumed', 'batch:started', 'task:step-started']);
      expect(events.map((event) => event.seq)).toEqual([...events.map((event) => event.seq)].sort((a, b) => a - b));
    });

    it('expires the leases of a restarted node so it resumes at once', async () => {
      expect(await deployments.expireLeases(store.db, 'node-b/', at(50))).toBeGreaterThan(0);
      expect((await deployments.claimDeployment(store.db, 'node-b/2', () => ({ now: at(51), leaseExpiresAt: at(70) })))?.owner).toBe('node-b/2');
    });

    it('writes thousands of tasks, events and log lines at once (more values than one SQL statement may bind)', async () => {
      const lease = (await deployments.claimDeployment(store.db, 'node-c/1', () => ({ now: at(71), leaseExpiresAt: at(90) })))!;
      const targets = Array.from({ length: 5000 }, (_, index) => `fleet-${index}`);
      await deployments.recordDeployment(store.db, lease, { currentBatch: 0 }, targets.map((target) => ({ type: 'task:planned', target })), at(72), targets.map((target) => ({ target, batch: 0 })));
      const tasks = await deployments.listTasks(store.db, lease.deploymentId);
      expect(tasks.filter((task) => task.target.startsWith('fleet-'))).toHaveLength(5000);
      await deployments.appendLogs(store.db, targets.map((target) => ({ deploymentId: lease.deploymentId, target, step: 'upload', stream: 'stdout' as const, text: target, at: at(73) })));
      expect(await deployments.listLogs(store.db, lease.deploymentId, 0, 10_000)).toHaveLength(5000);
    });

    it('quarantines a corrupt row with DATA_CORRUPT naming the record and field', async () => {
      await store.db.updateTable('deployments').set({ state: 'bogus' }).where('id', '=', 'd4').execute();
      const error = await deployments.getDeployment(store.db, 'd4').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GantryError);
      expect(error).toMatchObject({ code: 'DATA_CORRUPT', message: 'deployment d4: field state has unknown value "bogus"' });
      expect((await deployments.getDeployment(store.db, 'd1'))?.state).toBe('succeeded');
    });

    it('stores logs in order', async () => {
      await deployments.appendLogs(store.db, [
        { deploymentId: 'd1', target: 'web-1', step: 'upload', stream: 'stdout', text: 'one', at: at(1) },
        { deploymentId: 'd1', target: 'web-1', step: 'upload', stream: 'stderr', text: 'two', at: at(1) },
      ]);
      const logs = await deployments.listLogs(store.db, 'd1', 0);
      expect(logs.map((line) => line.text)).toEqual(['one', 'two']);
      expect(await deployments.listLogs(store.db, 'd1', logs[0]!.seq)).toHaveLength(1);
    });
  });
}
