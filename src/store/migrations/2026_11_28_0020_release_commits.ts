import type { Kysely } from 'kysely';

/**
 * The commits each release brought (issue 10), as the CLI read them from the repository it was
 * built from: those reachable from the release's commit and from none of the app's earlier
 * releases' commits. With their parents kept, the commits between any two releases (release
 * notes) and the first production deployment of each commit (DORA lead time) are walks over
 * this table, without the repository.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('release_commits')
    .addColumn('app', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('sha', 'text', (c) => c.notNull())
    /** JSON array of parent shas (which may belong to earlier releases, or to none Gantry knows). */
    .addColumn('parents_json', 'text', (c) => c.notNull())
    .addColumn('author_name', 'text', (c) => c.notNull())
    .addColumn('author_email', 'text', (c) => c.notNull())
    /** Committer date, ISO 8601 UTC: when the change was made ready (lead time counts from it). */
    .addColumn('committed_at', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addForeignKeyConstraint('release_commits_release', ['app', 'version'], 'releases', ['app', 'version'], (c) => c.onDelete('cascade'))
    .addPrimaryKeyConstraint('release_commits_pk', ['app', 'version', 'sha'])
    .execute();
  await db.schema.createIndex('release_commits_app_sha').on('release_commits').columns(['app', 'sha']).execute();
}
