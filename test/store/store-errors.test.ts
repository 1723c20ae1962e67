import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStoreUnreachable } from '../../src/store/constraint-errors.js';
import type { StoreDatabase } from '../../src/store/database.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

/** A query that meets a dropped connection is told apart from a wrong query (503 and retry, not 500). */
describe('telling an unreachable database from a failed query', () => {
  let database: TestDatabase;
  let store: StoreDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    store = await database.open();
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('classifies a terminated connection as unreachable, a bad query not, and the pool recovers', async () => {
    // Hold a connection open in a transaction, then cut every connection of the database.
    const cut = store.db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
      const admin = new pg.Client({ connectionString: database.postgresUrl });
      await admin.connect();
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
      await admin.end();
      await sql`select 1`.execute(trx);
    });
    const error = await cut.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(isStoreUnreachable(error)).toBe(true);
    expect(isStoreUnreachable(await sql`selct 1`.execute(store.db).catch((caught: unknown) => caught))).toBe(false);
    expect(isStoreUnreachable(new Error('boom'))).toBe(false);
    // The next query gets a fresh connection.
    expect((await sql<{ one: number }>`select 1 as one`.execute(store.db)).rows[0]?.one).toBe(1);
  });
});
