import type { Kysely } from 'kysely';

/**
 * Release evidence (issue 11): files the CI system attaches to a release (JUnit, SARIF, review
 * record, coverage, attestations) with the summary Gantry parsed from each. The file is kept as
 * base64 text (≤ 5 MiB before encoding): both stores hold text the same way, and evidence is small.
 * A release may carry several of each type, told apart by name.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('release_evidence')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('app', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('summary_json', 'text', (c) => c.notNull())
    .addColumn('content_base64', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('size_bytes', 'integer', (c) => c.notNull())
    .addColumn('attached_by', 'text', (c) => c.notNull())
    .addColumn('attached_at', 'text', (c) => c.notNull())
    .addForeignKeyConstraint('release_evidence_release_fk', ['app', 'version'], 'releases', ['app', 'version'])
    .execute();
  await db.schema.createIndex('release_evidence_release').on('release_evidence').columns(['app', 'version', 'attached_at']).execute();
}
