import type { Kysely } from 'kysely';

// PLACEHOLDER: filled in by the slice that owns this migration.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was
export async function up(_db: Kysely<any>): Promise<void> {}
