import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoreDatabase } from '../../src/store/database.js';
import { LATEST_MIGRATION } from '../../src/store/migrations/index.js';
import { appliedSchemaVersion, listStoreTables, ROW_TABLES, STORE_TABLES, tablesWithRows } from '../../src/store/store-copy.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';

/**
 * The copy list of migrate/backup/restore names every table a migrated database has, so that a
 * table added by a future migration cannot be skipped silently: add it to STORE_TABLES.
 */
for (const dialect of DIALECTS) describe(`the tables a store copy knows (store: ${dialect})`, () => {
  let database: TestDatabase;
  let store: StoreDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    store = await database.open();
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('lists exactly the tables of a migrated database, each key made of its columns', async () => {
    const tables = await listStoreTables(store.db);
    expect([...tables.keys()].sort()).toEqual(Object.keys(STORE_TABLES).sort());
    for (const [name, plan] of Object.entries(STORE_TABLES)) {
      for (const column of plan.key) expect(tables.get(name)?.columns, `${name}.${column}`).toContain(column);
    }
  });

  it('puts every table after the tables its foreign keys point at', async () => {
    const order = Object.keys(STORE_TABLES);
    const references: [string, string][] = [];
    if (dialect === 'sqlite') {
      for (const table of order) {
        const rows = await sql<{ table: string }>`select "table" from pragma_foreign_key_list(${table})`.execute(store.db);
        for (const row of rows.rows) references.push([table, row.table]);
      }
    } else {
      const rows = await sql<{ child: string; parent: string }>`select c.conrelid::regclass::text as child, c.confrelid::regclass::text as parent from pg_constraint c where c.contype = 'f'`.execute(store.db);
      for (const row of rows.rows) references.push([row.child, row.parent]);
    }
    expect(references.length).toBeGreaterThan(0);
    for (const [child, parent] of references) expect(order.indexOf(parent), `${child} → ${parent}`).toBeLessThan(order.indexOf(child));
  });

  it('sees a freshly migrated store as empty and at the latest schema', async () => {
    expect(await tablesWithRows(store.db)).toEqual([]);
    expect(await appliedSchemaVersion(store.db)).toBe(LATEST_MIGRATION);
    expect(ROW_TABLES).toContain('audit_log');
    expect(ROW_TABLES).not.toContain('artifacts');
  });
});
