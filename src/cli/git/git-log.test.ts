import { describe, expect, it } from 'vitest';
import { cut, LOG_FORMAT, parseGitLog } from './git-log.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
const record = (fields: string[]) => `${fields.join('\x1f')}\0`;

describe('reading git log -z output', () => {
  it('asks git for sha, parents, author, committer time and subject, the subject last', () => {
    expect(LOG_FORMAT).toBe('%H%x1f%P%x1f%an%x1f%ae%x1f%ct%x1f%s');
  });

  it('reads each commit with its parents, a merge with two and a root with none, and the time as ISO UTC', () => {
    const output = record([C, `${A} ${B}`, 'Ada Lovelace', 'ada@example.test', '1764576000', "Merge branch 'feature'"]) + record([A, '', 'Root', 'root@example.test', '0', 'first']);
    expect(parseGitLog(output)).toEqual([
      { sha: C, parents: [A, B], authorName: 'Ada Lovelace', authorEmail: 'ada@example.test', committedAt: '2025-12-01T08:00:00.000Z', subject: "Merge branch 'feature'" },
      { sha: A, parents: [], authorName: 'Root', authorEmail: 'root@example.test', committedAt: '1970-01-01T00:00:00.000Z', subject: 'first' },
    ]);
  });

  it('keeps subjects with quotes, pipes, tabs, unicode and even the field separator whole', () => {
    const subject = `Fix "quoted" 'and' | piped\tthings — naïve café ✓ 🚀 \x1f still the subject`;
    const [commit] = parseGitLog(record([A, '', 'Zoë', 'z@example.test', '1', subject]));
    expect(commit?.subject).toBe(subject);
    expect(commit?.authorName).toBe('Zoë');
  });

  it('reads 64-digit (SHA-256) ids, empty subjects, and a newline git may put between records', () => {
    const long = 'd'.repeat(64);
    expect(parseGitLog(`${record([long, '', 'n', 'e', '5', ''])}\n${record([A, long, 'n', 'e', '6', 'x'])}`).map((commit) => [commit.sha, commit.parents, commit.subject])).toEqual([
      [long, [], ''],
      [A, [long], 'x'],
    ]);
    expect(parseGitLog('')).toEqual([]);
  });

  it('cuts over-long subjects to what the server takes, marking the cut', () => {
    const [commit] = parseGitLog(record([A, '', 'n', 'e', '1', 'x'.repeat(5000)]));
    expect(commit?.subject).toHaveLength(1000);
    expect(commit?.subject.endsWith('…')).toBe(true);
    // Never half a surrogate pair.
    expect(cut(`${'x'.repeat(8)}🚀🚀`, 10)).toBe(`${'x'.repeat(8)}…`);
    expect(cut('short', 10)).toBe('short');
  });

  it('refuses output that is not commits, naming what it saw', () => {
    expect(() => parseGitLog(record(['not-a-sha', '', 'n', 'e', '1', 's']))).toThrow(/GIT_FAILED|not a commit/);
    expect(() => parseGitLog(record([A, 'zz', 'n', 'e', '1', 's']))).toThrow(/not a commit/);
    expect(() => parseGitLog(`${A}\x1fonly two\0`)).toThrow(/not a commit/);
    expect(() => parseGitLog(record([A, '', 'n', 'e', 'yesterday', 's']))).toThrow(/not a commit/);
  });
});
