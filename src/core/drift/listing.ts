/**
 * The live state of a release directory, computed on the target: a fixed program lists every
 * regular file with its sha256 (symlinks and directories are left out, as in the archive's digests),
 * and the server reads its output here. The program takes no data in its text: the directories
 * to skip (from `drift.ignore`) come in the environment variable GANTRY_DRIFT_PRUNE, one per line.
 */
import { GantryError } from '../errors.js';

/** Files Gantry itself keeps in a release directory (the unpack marker, config files being written). */
export const RELEASE_MARKER = '.gantry-release';
const GANTRY_OWN_FILE = /^(\.gantry-release|\.gantry-config-[0-9a-f]+)$|\/\.gantry-config-[0-9a-f]+$/;

export const PRUNE_VARIABLE = 'GANTRY_DRIFT_PRUNE';

/**
 * Run in the release directory (`sh -c`). Output: `<sha256>  <path>` records, each ended by a NUL
 * (GNU `sha256sum -z`, which leaves names unescaped; other sha256sum get the same format from a
 * loop). Exit code: that of the hashing (a file that cannot be read fails the listing).
 */
export const LIST_RELEASE_FILES = String.raw`
set -f
old_ifs=$IFS
IFS='
'
set --
for dir in $GANTRY_DRIFT_PRUNE; do
  if [ $# -gt 0 ]; then set -- "$@" -o; fi
  set -- "$@" -path "./$dir"
done
IFS=$old_ifs
if [ $# -gt 0 ]; then set -- \( "$@" \) -prune -o; fi
command -v sha256sum >/dev/null 2>&1 || { echo 'sha256sum is not installed on the target' >&2; exit 127; }
if printf '' | sha256sum -z >/dev/null 2>&1; then
  find . "$@" -type f -print0 | xargs -0 -r sha256sum -z --
else
  find . "$@" -type f -exec sh -c 'for f do h=$(sha256sum < "$f") || exit 1; printf "%.64s  %s\0" "$h" "$f"; done' sh {} +
fi
`;

const RECORD = /^([0-9a-f]{64}) [ *](.+)$/s;

/** Reads the program's output: release-relative path → sha256 (hex), Gantry's own files left out. */
export function parseReleaseListing(output: string): Map<string, string> {
  const files = new Map<string, string>();
  const records = output.split('\0');
  // The output ends with a NUL: the last piece is empty unless the output was cut short.
  if (records.at(-1) !== '') throw new GantryError('DRIFT_CHECK_FAILED', 'the file listing from the target ended in the middle of a record');
  for (const record of records.slice(0, -1)) {
    const match = RECORD.exec(record);
    if (!match) throw new GantryError('DRIFT_CHECK_FAILED', `the file listing from the target has a record that is not "<sha256>  <path>": ${JSON.stringify(record.slice(0, 120))}`);
    const path = match[2]!.replace(/^\.\//, '');
    if (!GANTRY_OWN_FILE.test(path)) files.set(path, match[1]!);
  }
  return files;
}
