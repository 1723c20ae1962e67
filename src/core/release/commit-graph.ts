/**
 * The commits releases were built from (issue 10), as a graph: each release brings the commits
 * reachable from its own commit and from none of its app's earlier releases' commits. Release
 * notes and DORA lead time are walks over it; nothing here reads a repository.
 */

export interface CommitRecord {
  readonly sha: string;
  readonly parents: readonly string[];
  readonly authorName: string;
  readonly authorEmail: string;
  /** Committer date, ISO 8601 UTC. */
  readonly committedAt: string;
  readonly subject: string;
}

/** `head` and every commit reachable from it through commits the graph holds. */
export function ancestryOf(commits: ReadonlyMap<string, CommitRecord>, head: string): Set<string> {
  const seen = new Set<string>();
  const stack = [head];
  while (stack.length > 0) {
    const sha = stack.pop() as string;
    if (seen.has(sha)) continue;
    seen.add(sha);
    for (const parent of commits.get(sha)?.parents ?? []) if (!seen.has(parent)) stack.push(parent);
  }
  return seen;
}

/**
 * The commits in `to`'s history and not in `from`'s (`git log from..to`), newest first by commit
 * time; every commit of `to`'s history when `from` is null (nothing was live before).
 */
export function commitsBetween(commits: ReadonlyMap<string, CommitRecord>, from: string | null, to: string): CommitRecord[] {
  const excluded = from === null ? new Set<string>() : ancestryOf(commits, from);
  const found: CommitRecord[] = [];
  for (const sha of ancestryOf(commits, to)) {
    const commit = commits.get(sha);
    if (commit && !excluded.has(sha)) found.push(commit);
  }
  return found.sort((a, b) => b.committedAt.localeCompare(a.committedAt) || a.sha.localeCompare(b.sha));
}
