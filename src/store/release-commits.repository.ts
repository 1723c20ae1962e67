import type { Kysely, Selectable } from 'kysely';
import type { CommitRecord } from '../core/release/commit-graph.js';
import { isUniqueViolation } from './constraint-errors.js';
import { parseJsonColumn } from './row-parsing.js';
import type { Database, ReleaseCommitsTable } from './schema.js';

/** Rows per INSERT: well under SQLite's and PostgreSQL's bound-parameter limits. */
const INSERT_CHUNK = 500;

export function toCommit(row: Selectable<ReleaseCommitsTable>): CommitRecord {
  return {
    sha: row.sha,
    parents: parseJsonColumn<string[]>(row.parents_json, `commit ${row.sha} of ${row.app} ${row.version}`, 'parents'),
    authorName: row.author_name,
    authorEmail: row.author_email,
    committedAt: row.committed_at,
    subject: row.subject,
  };
}

/**
 * Stores the commits a release brought, all or none. `conflict`: the release already has
 * commits (another attach got there first); the caller decides whether they are the same.
 */
export async function insertReleaseCommits(db: Kysely<Database>, app: string, version: string, commits: readonly CommitRecord[]): Promise<'inserted' | 'conflict'> {
  try {
    return await db.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom('release_commits').select('sha').where('app', '=', app).where('version', '=', version).limit(1).executeTakeFirst();
      if (existing) return 'conflict' as const;
      for (let start = 0; start < commits.length; start += INSERT_CHUNK) {
        const chunk = commits.slice(start, start + INSERT_CHUNK);
        await trx
          .insertInto('release_commits')
          .values(
            chunk.map((commit) => ({
              app,
              version,
              sha: commit.sha,
              parents_json: JSON.stringify(commit.parents),
              author_name: commit.authorName,
              author_email: commit.authorEmail,
              committed_at: commit.committedAt,
              subject: commit.subject,
            })),
          )
          .execute();
      }
      return 'inserted' as const;
    });
  } catch (error) {
    // Two attaches at once: the one that lost sees the other's rows.
    if (isUniqueViolation(error)) return 'conflict';
    throw error;
  }
}

/** The commits one release brought, newest first. */
export async function listReleaseCommits(db: Kysely<Database>, app: string, version: string): Promise<CommitRecord[]> {
  const rows = await db.selectFrom('release_commits').selectAll().where('app', '=', app).where('version', '=', version).orderBy('committed_at', 'desc').orderBy('sha').execute();
  return rows.map(toCommit);
}

/** Every commit an application's releases brought, and which release brought each. */
export interface AppCommitHistory {
  readonly commits: ReadonlyMap<string, CommitRecord>;
  /** sha → the version of the earliest release that brought it. */
  readonly broughtBy: ReadonlyMap<string, string>;
}

/**
 * The commit graph of an application, for release notes (walks between two releases' commits)
 * and DORA lead time (each commit's first release). A commit stored with more than one release
 * (an earlier release's commit was not in the repository a later one was read from) counts for
 * the earliest.
 */
export async function commitsOfApp(db: Kysely<Database>, app: string): Promise<AppCommitHistory> {
  const rows = await db
    .selectFrom('release_commits')
    .innerJoin('releases', (join) => join.onRef('releases.app', '=', 'release_commits.app').onRef('releases.version', '=', 'release_commits.version'))
    .selectAll('release_commits')
    .where('release_commits.app', '=', app)
    .orderBy('releases.created_at', 'asc')
    .orderBy('releases.version', 'asc')
    .execute();
  const commits = new Map<string, CommitRecord>();
  const broughtBy = new Map<string, string>();
  for (const row of rows) {
    if (commits.has(row.sha)) continue;
    commits.set(row.sha, toCommit(row));
    broughtBy.set(row.sha, row.version);
  }
  return { commits, broughtBy };
}
