/**
 * Release notes from version control (issue 10): the CLI reads the commits a release brings from
 * the repository it was built from and attaches them once; notes are then walks over the stored
 * commit graph (core/release/commit-graph.ts), between what is live somewhere and a release.
 */
import { GantryError } from '../core/errors.js';
import { commitsBetween, type CommitRecord } from '../core/release/commit-graph.js';
import { listSucceededVersions } from '../store/deployments.repository.js';
import { commitsOfApp, insertReleaseCommits, listReleaseCommits } from '../store/release-commits.repository.js';
import { listReleases } from '../store/releases.repository.js';
import type { AppDeps } from './app-deps.js';
import { requireApplication } from './applications.js';
import { requireRelease } from './releases.js';

export { commitsOfApp, listReleaseCommits, type AppCommitHistory } from '../store/release-commits.repository.js';

export interface ReleaseRef {
  readonly version: string;
  readonly commit: string | null;
}

export interface ReleaseNotes {
  readonly app: string;
  readonly environment: string | null;
  /** The release the notes count from; null: none, so every known commit of `to`'s history. */
  readonly from: ReleaseRef | null;
  readonly to: ReleaseRef;
  /** Newest first. */
  readonly commits: readonly CommitRecord[];
  /** Releases whose commit lies between `from` and `to`, newest first. */
  readonly releases: readonly (ReleaseRef & { readonly createdAt: string })[];
}

/**
 * The commits between the release live in `environment` (its last succeeded deployment or
 * rollback; none there: every known commit of the release's history) and the release. Without an
 * environment, between the release created before this one and this one: what it brought.
 * `liveBefore`: what was live there at that time instead of now (a deployment's notes, once it
 * has made its own release the live one).
 */
export async function releaseNotes(deps: AppDeps, app: string, version: string, environment?: string, options: { readonly liveBefore?: string } = {}): Promise<ReleaseNotes> {
  const application = await requireApplication(deps, app);
  const release = await requireRelease(deps, app, version);
  const releases = await listReleases(deps.db, app);
  let from: ReleaseRef | null;
  if (environment !== undefined) {
    if (!application.manifest.environments.some((entry) => entry.name === environment)) {
      throw new GantryError('ENVIRONMENT_NOT_FOUND', `application ${app} has no environment ${environment} (it has ${application.manifest.environments.map((entry) => entry.name).join(', ')})`, {
        where: 'environment',
      });
    }
    const [live] = (await listSucceededVersions(deps.db, app, environment)).filter((entry) => options.liveBefore === undefined || entry.finishedAt < options.liveBefore);
    const liveRelease = live ? releases.find((entry) => entry.version === live.version) : undefined;
    from = liveRelease ? { version: liveRelease.version, commit: liveRelease.commit } : null;
  } else {
    // Newest first: the one after this release in the list was created before it.
    const previous = releases[releases.findIndex((entry) => entry.version === version) + 1];
    from = previous ? { version: previous.version, commit: previous.commit } : null;
  }
  const to: ReleaseRef = { version: release.version, commit: release.commit };
  if (to.commit === null) return { app, environment: environment ?? null, from, to, commits: [], releases: [] };

  const { commits: graph } = await commitsOfApp(deps.db, app);
  const commits = commitsBetween(graph, from?.commit ?? null, to.commit);
  const between = new Set(commits.map((commit) => commit.sha));
  const inBetween = releases
    .filter((entry) => entry.version !== to.version && entry.version !== from?.version && entry.commit !== null && between.has(entry.commit))
    .map((entry) => ({ version: entry.version, commit: entry.commit, createdAt: entry.createdAt }));
  return { app, environment: environment ?? null, from, to, commits, releases: inBetween };
}

export interface AttachedCommits {
  readonly commits: number;
  /** The same commits were attached before. */
  readonly unchanged: boolean;
}

/**
 * Records the commits a release brought, once: a second attach of the same commits is a no-op,
 * of different ones a conflict (a release's history does not change). The release's own commit
 * must be among them, unless it is none (its commit was already brought by an earlier release).
 */
export async function attachReleaseCommits(deps: AppDeps, app: string, version: string, input: readonly CommitRecord[]): Promise<AttachedCommits> {
  const release = await requireRelease(deps, app, version);
  if (release.commit === null) {
    throw new GantryError('REQUEST_INVALID', `release ${app} ${version} records no commit, so commits cannot be attached to it; create the release with --git REPO --commit SHA`, { where: 'version' });
  }
  const commits = input.map((commit) => ({ ...commit, parents: [...commit.parents], committedAt: new Date(commit.committedAt).toISOString() }));
  const seen = new Set<string>();
  for (const [index, commit] of commits.entries()) {
    if (seen.has(commit.sha)) throw new GantryError('REQUEST_INVALID', `commits[${index}]: commit ${commit.sha} is listed twice`, { where: `commits[${index}].sha` });
    seen.add(commit.sha);
  }
  if (commits.length > 0 && !seen.has(release.commit)) {
    throw new GantryError('REQUEST_INVALID', `the commits do not include the release's own commit ${release.commit}; read them with \`git log ${release.commit} --not <earlier releases' commits>\``, {
      where: 'commits',
    });
  }
  if ((await insertReleaseCommits(deps.db, app, version, commits)) === 'inserted') return { commits: commits.length, unchanged: false };
  const stored = await listReleaseCommits(deps.db, app, version);
  if (sameCommits(stored, commits)) return { commits: stored.length, unchanged: true };
  throw new GantryError('RELEASE_COMMITS_ATTACHED', `release ${app} ${version} already has ${stored.length} commits attached, and they differ from these; a release's commits are recorded once`, {
    where: 'version',
  });
}

export async function releaseCommits(deps: AppDeps, app: string, version: string): Promise<CommitRecord[]> {
  await requireRelease(deps, app, version);
  return listReleaseCommits(deps.db, app, version);
}

function sameCommits(a: readonly CommitRecord[], b: readonly CommitRecord[]): boolean {
  const key = (commits: readonly CommitRecord[]) =>
    JSON.stringify(
      [...commits]
        .sort((x, y) => x.sha.localeCompare(y.sha))
        .map((commit) => [commit.sha, commit.parents, commit.authorName, commit.authorEmail, commit.committedAt, commit.subject]),
    );
  return key(a) === key(b);
}
