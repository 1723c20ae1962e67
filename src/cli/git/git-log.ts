/**
 * How the CLI asks `git log` for commits and reads the answer. Records end with NUL (`-z`) and
 * fields are split by the unit separator (0x1f), with the subject last, so that subjects with
 * quotes, `|`, tabs or any other character come through as they are.
 */
import { GantryError } from '../../core/errors.js';
import { MAX_COMMIT_SUBJECT, type CommitInput } from '../../protocol/release-notes-api.js';

const FIELD = '\x1f';
/** Full sha, parent shas (space separated), author name, author email, committer time (Unix seconds), subject. */
export const LOG_FORMAT = ['%H', '%P', '%an', '%ae', '%ct', '%s'].join('%x1f');
const MAX_AUTHOR = 500;
const SHA = /^([0-9a-f]{40}|[0-9a-f]{64})$/;

/** The commits in `git log -z --format=LOG_FORMAT` output, in the order git printed them. */
export function parseGitLog(output: string): CommitInput[] {
  const commits: CommitInput[] = [];
  for (const raw of output.split('\0')) {
    // Between records git may put the newline of the format's terminator.
    const record = raw.replace(/^\n/, '');
    if (record === '') continue;
    const fields = record.split(FIELD);
    if (fields.length < 6) throw malformed(record);
    const [sha = '', parents = '', authorName = '', authorEmail = '', time = ''] = fields;
    const parentShas = parents.split(' ').filter((parent) => parent !== '');
    if (!SHA.test(sha) || !parentShas.every((parent) => SHA.test(parent)) || !/^\d+$/.test(time)) throw malformed(record);
    commits.push({
      sha,
      parents: parentShas,
      authorName: cut(authorName, MAX_AUTHOR),
      authorEmail: cut(authorEmail, MAX_AUTHOR),
      committedAt: new Date(Number(time) * 1000).toISOString(),
      // A subject holding the separator itself is still one subject: it is the last field.
      subject: cut(fields.slice(5).join(FIELD), MAX_COMMIT_SUBJECT),
    });
  }
  return commits;
}

/** At most `max` UTF-16 units, ending with "…" when cut, never splitting a surrogate pair. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let kept = text.slice(0, max - 1);
  if (/[\uD800-\uDBFF]$/.test(kept)) kept = kept.slice(0, -1);
  return `${kept}…`;
}

function malformed(record: string): GantryError {
  return new GantryError('GIT_FAILED', `git log printed a record that is not a commit: ${JSON.stringify(record.slice(0, 120))}`, { where: 'git log' });
}
