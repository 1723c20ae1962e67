import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('deployments').addColumn('idempotency_key', 'text').execute();
  // NULLs are distinct on both engines, so only requests that send a key are constrained.
  await db.schema.createIndex('deployments_idempotency_key').on('deployments').column('idempotency_key').unique().execute();
}
