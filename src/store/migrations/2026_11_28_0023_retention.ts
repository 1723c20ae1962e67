import type { Kysely } from 'kysely';

/**
 * Retention (issue 10).
 * - `retention_policies`: what is kept. One row per scope: `*` is the installation's rules, any
 *   other scope is an application name whose non-null columns override them.
 * - `releases.archive_pruned_at`: when retention deleted the release's archive. Release rows are
 *   never deleted: deployments, changes, feedback, release notes and DORA lead time all name
 *   releases (and `release_commits` hangs off them), so the small metadata row stays and only the
 *   archive — the bulk — goes; a deployment of a pruned release is refused (RELEASE_ARCHIVE_PRUNED).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('retention_policies')
    .addColumn('scope', 'text', (c) => c.primaryKey())
    .addColumn('keep_releases', 'integer')
    .addColumn('keep_release_days', 'integer')
    .addColumn('keep_log_days', 'integer')
    .addColumn('keep_log_deployments', 'integer')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema.alterTable('releases').addColumn('archive_pruned_at', 'text').execute();
}
