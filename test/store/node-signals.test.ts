import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresSignals, type NodeSignal, type NodeSignals } from '../../src/store/node-signals.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

/** Waits (bounded) until `received` holds something that matches. */
async function until(received: NodeSignal[], match: (signal: NodeSignal) => boolean): Promise<void> {
  for (let tries = 0; tries < 200 && !received.some(match); tries++) await new Promise((resolve) => setTimeout(resolve, 25));
  expect(received.some(match)).toBe(true);
}

describe('signals between nodes over LISTEN/NOTIFY', () => {
  let database: TestDatabase;
  const open: NodeSignals[] = [];
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    await Promise.all(open.map((signals) => signals.close()));
    await database?.drop();
  });

  const node = (from: string) => {
    const signals = createPostgresSignals({ postgresUrl: database.postgresUrl!, from, retryMs: 50 });
    open.push(signals);
    const received: NodeSignal[] = [];
    signals.subscribe((signal) => received.push(signal));
    return { signals, received };
  };

  it('delivers what one node publishes to itself once and to every other node', async () => {
    const a = node('node-a/1');
    const b = node('node-b/1');
    const c = node('node-c/1');
    // The listening connections are set up asynchronously: publish until both others hear one.
    let published = 0;
    for (let tries = 0; tries < 200 && (b.received.length === 0 || c.received.length === 0); tries++) {
      a.signals.publish({ kind: 'work' });
      published += 1;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    a.signals.publish({ kind: 'progress', deploymentId: 'd-1' });
    await until(b.received, (signal) => signal.kind === 'progress');
    await until(c.received, (signal) => signal.kind === 'progress');
    // Delivered locally at once, and not a second time when NOTIFY brings it back.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(a.received.filter((signal) => signal.kind === 'progress')).toEqual([{ kind: 'progress', deploymentId: 'd-1' }]);
    expect(a.received.filter((signal) => signal.kind === 'work')).toHaveLength(published);
  });

  it('ignores payloads that are not signals', async () => {
    const d = node('node-d/1');
    const client = new pg.Client({ connectionString: database.postgresUrl });
    await client.connect();
    for (let tries = 0; tries < 100 && d.received.length === 0; tries++) {
      await client.query(`SELECT pg_notify('gantry_signals', $1)`, ['not json']);
      await client.query(`SELECT pg_notify('gantry_signals', $1)`, [JSON.stringify({ from: 'x', signal: { kind: 'explode' } })]);
      await client.query(`SELECT pg_notify('gantry_signals', $1)`, [JSON.stringify({ from: 'x', signal: { kind: 'work' } })]);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await client.end();
    expect(d.received.every((signal) => signal.kind === 'work')).toBe(true);
  });

  it('listens again after its connection is cut, and looks for work it may have missed', async () => {
    const e = node('node-e/1');
    const f = node('node-f/1');
    for (let tries = 0; tries < 100 && f.received.length === 0; tries++) {
      e.signals.publish({ kind: 'work' });
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const admin = new pg.Client({ connectionString: database.postgresUrl });
    await admin.connect();
    // Cut every listening connection (the database restarting, a proxy dropping it).
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%' AND pid <> pg_backend_pid()`);
    await admin.end();
    f.received.length = 0;
    await until(f.received, (signal) => signal.kind === 'work');
    f.received.length = 0;
    for (let tries = 0; tries < 100 && !f.received.some((signal) => signal.kind === 'progress'); tries++) {
      e.signals.publish({ kind: 'progress', deploymentId: 'd-2' });
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(f.received).toContainEqual({ kind: 'progress', deploymentId: 'd-2' });
  });
});
