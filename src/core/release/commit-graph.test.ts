import { describe, expect, it } from 'vitest';
import { ancestryOf, commitsBetween, type CommitRecord } from './commit-graph.js';

function graph(...entries: [sha: string, parents: string[], at: string][]): Map<string, CommitRecord> {
  return new Map(entries.map(([sha, parents, at]) => [sha, { sha, parents, authorName: 'A', authorEmail: 'a@example.test', committedAt: `2026-11-0${at}T00:00:00.000Z`, subject: `commit ${sha}` }]));
}

describe('commit graph', () => {
  // a ← b ← c ← e (merge of c and d) ; b ← d
  const commits = graph(['a', [], '1'], ['b', ['a'], '2'], ['c', ['b'], '3'], ['d', ['b'], '4'], ['e', ['c', 'd'], '5']);

  it('walks every parent of a merge, and stops at commits it does not hold', () => {
    expect([...ancestryOf(commits, 'e')].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect([...ancestryOf(commits, 'x')]).toEqual(['x']);
  });

  it('lists what the newer commit has and the older lacks, newest first', () => {
    expect(commitsBetween(commits, 'c', 'e').map((commit) => commit.sha)).toEqual(['e', 'd']);
    expect(commitsBetween(commits, null, 'b').map((commit) => commit.sha)).toEqual(['b', 'a']);
    expect(commitsBetween(commits, 'e', 'c')).toEqual([]);
  });
});
