/** `gantry release create | list | commits | notes`. */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import type { ApiClient, ReleaseDto, ReleaseNotesDto } from '../../client/api-client.js';
import { packReleaseDirectory } from '../../client/pack-directory.js';
import { GantryError } from '../../core/errors.js';
import { MAX_RELEASE_COMMITS } from '../../protocol/release-notes-api.js';
import { connect } from '../connect.js';
import type { CommandContext } from '../context.js';
import { EXIT_CODES } from '../exit-codes.js';
import { formatAge, formatBytes, NONE, plural } from '../format.js';
import { openGitRepository, type CommitsBrought, type GitRepository } from '../git/git-repository.js';
import type { Output } from '../output.js';

export interface ReleaseCreateOptions {
  /** The directory to pack. Exclusive with fromGit. */
  readonly path?: string | undefined;
  /** The repository the directory was built from (with --commit): its commits are recorded. */
  readonly git?: string | undefined;
  /** The repository whose tree at --ref becomes the release. */
  readonly fromGit?: string | undefined;
  readonly ref?: string | undefined;
  readonly commit?: string | undefined;
  readonly notes?: string | undefined;
  readonly json?: boolean;
}

/** Where the release comes from, checked before anything is read or sent. */
type ReleaseSource =
  | { readonly kind: 'directory'; readonly dir: string; readonly git: { readonly repo: GitRepository; readonly ref: string } | null }
  | { readonly kind: 'git-tree'; readonly repo: GitRepository; readonly ref: string };

function releaseSource(ctx: CommandContext, options: ReleaseCreateOptions): ReleaseSource {
  const refuse = (message: string, where: string) => new GantryError('REQUEST_INVALID', message, { where });
  if (options.path !== undefined && options.fromGit !== undefined) throw refuse('--path and --from-git are exclusive: pack a directory (--path) or the tree of a git ref (--from-git REPO --ref REF), not both', '--from-git');
  if (options.fromGit !== undefined) {
    if (options.ref === undefined) throw refuse('--from-git needs --ref REF: the tag, branch or commit whose tree becomes the release', '--ref');
    if (options.git !== undefined) throw refuse('--git is for --path; with --from-git the commits are read from that repository', '--git');
    if (options.commit !== undefined) throw refuse('--commit is for --path --git; with --from-git the commit is the one --ref names', '--commit');
    return { kind: 'git-tree', repo: openGitRepository(resolve(ctx.cwd, options.fromGit), '--from-git'), ref: options.ref };
  }
  if (options.path === undefined) throw refuse('say what to release: --path DIR, or --from-git REPO --ref REF', '--path');
  if (options.ref !== undefined) throw refuse('--ref is for --from-git; with --path --git name the commit with --commit', '--ref');
  if (options.git !== undefined && options.commit === undefined) throw refuse('--git needs --commit SHA: the commit the directory was built from', '--commit');
  const git = options.git === undefined ? null : { repo: openGitRepository(resolve(ctx.cwd, options.git), '--git'), ref: options.commit as string };
  return { kind: 'directory', dir: resolve(ctx.cwd, options.path), git };
}

export async function createRelease(ctx: CommandContext, app: string, version: string, options: ReleaseCreateOptions): Promise<number> {
  const source = releaseSource(ctx, options);
  if (source.kind === 'directory') {
    const info = await stat(source.dir).catch((cause: unknown) => {
      throw new GantryError('REQUEST_INVALID', `--path ${options.path}: no such directory`, { where: '--path' }, { cause });
    });
    if (!info.isDirectory()) throw new GantryError('REQUEST_INVALID', `--path ${options.path} is not a directory`, { where: '--path' });
  }
  // A ref that names nothing fails here, before anything is packed or sent.
  const git = source.kind === 'git-tree' ? { repo: source.repo, ref: source.ref } : source.git;
  const commit = git ? await git.repo.resolveCommit(git.ref) : (options.commit ?? null);

  const client = connect(ctx);
  // Fail before packing a large directory when the answer is already known.
  const existing = await client.listReleases(app);
  if (existing.some((release) => release.version === version)) {
    throw new GantryError('RELEASE_EXISTS', `release ${app} ${version} already exists; releases are immutable, so pick a new version`, { where: 'version' });
  }
  // Read before the upload too: a repository git cannot read creates nothing.
  const history = git && commit ? await commitsBrought(git.repo, commit, existing) : null;

  let unpacked: string | null = null;
  let release: ReleaseDto;
  try {
    let archive: Readable;
    if (source.kind === 'git-tree') {
      unpacked = await mkdtemp(join(tmpdir(), 'gantry-git-tree-'));
      await source.repo.extractTree(commit as string, unpacked);
      archive = await packReleaseDirectory(unpacked);
    } else {
      archive = await packReleaseDirectory(source.dir);
    }
    const packed = archive;
    release = await client.createRelease(app, version, packed, { commit: commit ?? undefined, notes: options.notes }).catch((error: unknown) => {
      packed.destroy();
      throw packingError(error, options.path ?? options.fromGit ?? '');
    });
  } finally {
    if (unpacked) await rm(unpacked, { recursive: true, force: true });
  }

  let attached: number | null = null;
  if (git && history) {
    try {
      attached = (await client.attachReleaseCommits(app, version, history.commits)).commits;
    } catch (error) {
      const option = source.kind === 'git-tree' ? '--from-git' : '--git';
      ctx.output.notice(`release ${app} ${version} was created, but without its commits: attaching them failed (below).`);
      ctx.output.notice(`attach them with: gantry release commits ${app} ${version} --git ${git.repo.path}  (the repository given as ${option})`);
      throw error;
    }
  }
  if (history?.truncated) ctx.output.notice(cutNotice(app, version));
  if (options.json) {
    ctx.output.json(attached === null ? release : { ...release, commitsAttached: attached, commitsTruncated: history?.truncated ?? false });
    return EXIT_CODES.ok;
  }
  ctx.output.line(`created release ${release.app} ${release.version}`);
  ctx.output.fields([
    ['  digest', release.digest],
    ['  size', `${formatBytes(release.sizeBytes)} (${release.sizeBytes} bytes)`],
    // Read from git: the full commit id it resolved to, and what the release brings.
    ...(attached === null ? [] : ([['  commit', release.commit ?? NONE], ['  commits', `${plural(attached, 'commit')} new in this release`]] as const)),
  ]);
  return EXIT_CODES.ok;
}

/**
 * `gantry release commits APP VERSION --git REPO`: (re)attaches the commits a release brought,
 * read from the repository, when creating it could not (the same commits again change nothing).
 */
export async function attachCommits(ctx: CommandContext, app: string, version: string, options: { readonly git: string; readonly json?: boolean }): Promise<number> {
  const repo = openGitRepository(resolve(ctx.cwd, options.git), '--git');
  const client = connect(ctx);
  const releases = await client.listReleases(app);
  const release = releases.find((entry) => entry.version === version);
  if (!release) throw new GantryError('RELEASE_NOT_FOUND', `application ${app} has no release ${version}`, { where: 'version' });
  if (release.commit === null) {
    throw new GantryError('REQUEST_INVALID', `release ${app} ${version} records no commit, so it has no commits to attach; create releases with --git REPO --commit SHA`, { where: 'version' });
  }
  const head = await repo.resolveCommit(release.commit);
  if (head !== release.commit) {
    throw new GantryError('REQUEST_INVALID', `release ${app} ${version} records commit ${release.commit}, not a full commit id (${repo.path} names it ${head}); commits attach only to releases created with --git`, {
      where: 'version',
    });
  }
  // The releases before it, as when it was created: the commits they brought are not its own.
  const earlier = releases.filter((entry) => entry.version !== version && entry.createdAt < release.createdAt);
  const history = await commitsBrought(repo, head, earlier);
  const answer = await client.attachReleaseCommits(app, version, history.commits);
  if (history.truncated) ctx.output.notice(cutNotice(app, version));
  if (options.json) {
    ctx.output.json({ ...answer, truncated: history.truncated });
    return EXIT_CODES.ok;
  }
  ctx.output.line(answer.unchanged ? `release ${app} ${version} already had these ${plural(answer.commits, 'commit')}; nothing changed` : `attached ${plural(answer.commits, 'commit')} to release ${app} ${version}`);
  return EXIT_CODES.ok;
}

/** The commits `head` brings: reachable from it and from none of the earlier releases' commits this repository knows. */
async function commitsBrought(repo: GitRepository, head: string, earlier: readonly ReleaseDto[]): Promise<CommitsBrought> {
  const known = await repo.knownCommits(earlier.flatMap((release) => (release.commit ? [release.commit] : [])));
  return repo.commitsBroughtBy(head, known, MAX_RELEASE_COMMITS);
}

function cutNotice(app: string, version: string): string {
  return `note: release ${app} ${version} brings more than ${MAX_RELEASE_COMMITS} commits; only the newest ${MAX_RELEASE_COMMITS} were recorded, so its notes stop there`;
}

/** `gantry release notes APP VERSION [--env ENV]`: the commits since what is live there (or since the previous release). */
export async function showReleaseNotes(ctx: CommandContext, app: string, version: string, options: { readonly env?: string | undefined; readonly json?: boolean }): Promise<number> {
  const client: ApiClient = connect(ctx);
  const notes = await client.releaseNotes(app, version, { environment: options.env });
  if (options.json) {
    ctx.output.json(notes);
    return EXIT_CODES.ok;
  }
  printReleaseNotes(ctx.output, notes);
  return EXIT_CODES.ok;
}

const shortSha = (sha: string | null) => (sha ? sha.slice(0, 12) : NONE);

function printReleaseNotes(output: Output, notes: ReleaseNotesDto): void {
  const to = `${notes.app} ${notes.to.version} (${shortSha(notes.to.commit)})`;
  const where = notes.environment === null ? 'the previous release' : `what is live in ${notes.environment}`;
  if (notes.from === null) output.line(`${to}: ${notes.environment === null ? 'no earlier release' : `nothing is live in ${notes.environment}`}, so every known commit of its history`);
  else output.line(`${to} since ${notes.from.version} (${shortSha(notes.from.commit)}), ${where}`);
  if (notes.to.commit === null) {
    output.line('  this release records no commit: create releases with --git REPO --commit SHA (or --from-git) to get their notes');
    return;
  }
  if (notes.releases.length > 0) output.line(`  releases in between: ${notes.releases.map((release) => release.version).join(', ')}`);
  if (notes.commits.length === 0) {
    output.line('  no commits in between');
    return;
  }
  output.line(`  ${plural(notes.commits.length, 'commit')}, newest first:`);
  output.table(
    ['COMMIT', 'DATE', 'AUTHOR', 'SUBJECT'],
    notes.commits.map((commit) => [commit.sha.slice(0, 12), commit.committedAt.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, 'Z'), `${commit.authorName} <${commit.authorEmail}>`, commit.subject]),
  );
}

/** A file that cannot be read while packing is the user's error, not an internal one. */
function packingError(error: unknown, path: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (error instanceof Error && !(error instanceof GantryError) && typeof code === 'string' && /^E[A-Z]+$/.test(code) && 'path' in error) {
    return new GantryError('REQUEST_INVALID', `cannot pack ${path}: ${code} ${String((error as NodeJS.ErrnoException).path ?? '')}`.trim(), { where: '--path' }, { cause: error });
  }
  return error;
}

export async function listReleases(ctx: CommandContext, app: string, options: { json?: boolean }): Promise<number> {
  const releases = await connect(ctx).listReleases(app);
  if (options.json) {
    ctx.output.json({ releases });
    return EXIT_CODES.ok;
  }
  const now = ctx.now();
  ctx.output.table(
    ['VERSION', 'DIGEST', 'SIZE', 'COMMIT', 'AGE'],
    releases.map((release) => [
      release.version,
      release.digest.replace(/^(sha256:)?([0-9a-f]{12})[0-9a-f]*$/, (_, prefix: string | undefined, short: string) => `${prefix ?? ''}${short}`),
      formatBytes(release.sizeBytes),
      release.commit ? release.commit.slice(0, 12) : NONE,
      formatAge(release.createdAt, now),
    ]),
  );
  return EXIT_CODES.ok;
}
