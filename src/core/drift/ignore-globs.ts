/**
 * The globs of a manifest's `drift.ignore`: files that hooks create in the release directory
 * (`node_modules/**`) and that drift checks leave out. Paths are relative to the release
 * directory and globs are anchored there: `*` matches within one path segment, `?` one
 * character of it, and `**` as a whole segment any number of segments (`**\/*.log`: a log file
 * at any depth; `cache/**`: everything under cache/). Any other character is literal.
 */

const MAX_GLOB_LENGTH = 500;

/** What is wrong with a glob, in words; null when it is usable. */
export function globProblem(glob: string): string | null {
  if (glob === '') return 'must not be empty';
  if (glob.length > MAX_GLOB_LENGTH) return `must be at most ${MAX_GLOB_LENGTH} characters`;
  if (/[\0\n\r]/.test(glob)) return 'must not contain line breaks or NUL';
  if (glob.startsWith('/')) return 'must be relative to the release directory (no leading "/")';
  if (glob.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) return 'must not contain empty, "." or ".." segments';
  return null;
}

function segmentPattern(segment: string): string {
  return [...segment]
    .map((character) => {
      if (character === '*') return '[^/]*';
      if (character === '?') return '[^/]';
      return character.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
    })
    .join('');
}

/** The regular expression a glob stands for (anchored at both ends). */
export function globPattern(glob: string): RegExp {
  const segments = glob.split('/');
  let source = '';
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    if (segment === '**') source += last ? '.+' : '(?:[^/]+/)*';
    else source += segmentPattern(segment.replace(/\*\*+/g, '*')) + (last ? '' : '/');
  });
  return new RegExp(`^${source}$`, 's');
}

/** Tells whether a release-relative path is left out by any of the globs. */
export function ignoredBy(globs: readonly string[]): (path: string) => boolean {
  const patterns = globs.map(globPattern);
  return (path) => patterns.some((pattern) => pattern.test(path));
}

/**
 * The directories that globs of the form `dir/**` (literal segments, then `**`) leave out whole,
 * so that the target need not even read them: `node_modules/**` → `node_modules`. Segments with
 * characters that `find -path` reads as patterns (`*`, `?`, `[`, `\`) are not pruned there (the
 * server still leaves their files out).
 */
export function prunableDirectories(globs: readonly string[]): string[] {
  const directories = globs.flatMap((glob) => {
    if (!glob.endsWith('/**')) return [];
    const prefix = glob.slice(0, -'/**'.length);
    return prefix !== '' && !/[*?[\]\\]/.test(prefix) && globProblem(prefix) === null ? [prefix] : [];
  });
  return [...new Set(directories)].sort();
}
