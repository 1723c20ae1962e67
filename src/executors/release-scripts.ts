/**
 * The shell programs that maintain the release layout on a target, for both transports:
 *
 *   <root>/<app>/artifacts/<digest>.tar.gz
 *   <root>/<app>/releases/<version>/            complete once it holds .gantry-release (the digest)
 *   <root>/<app>/current -> releases/<version>  relative symlink, replaced atomically
 *
 * Every program is constant text that reads its data from its positional parameters; the data
 * is passed with `scriptWithArgs` (quoted by the one helper), never spliced into the text.
 * (The texts are String.raw templates: they must not use the shell's `${…}`, which JS would
 * take as interpolation; the only interpolations are the exit codes below.)
 * Exit codes 93-95 are the programs' own refusals; any other non-zero code is a plain failure.
 */

export const EXIT_DIGEST_MISMATCH = 93;
export const EXIT_NOT_UNPACKED = 94;
export const EXIT_EXTRACT_FAILED = 95;

/** $1 artifacts dir, $2 artifact file, $3 digest. Prints `present` or `absent`. */
export const CHECK_ARTIFACT = String.raw`
mkdir -p -- "$1" || exit 1
if [ -f "$2" ]; then
  sum=$(sha256sum < "$2") || exit 1
  if [ "$sum" = "$3  -" ]; then echo present; exit 0; fi
fi
echo absent
`;

/**
 * $1 artifacts dir, $2 artifact file, $3 digest, $4 temp file; the archive on stdin.
 * Prints the digest it computed on a mismatch.
 */
export const UPLOAD_ARTIFACT = String.raw`
tmp=$4
trap 'rm -f -- "$tmp"' EXIT
trap 'exit 143' TERM INT HUP
mkdir -p -- "$1" || exit 1
cat > "$tmp" || exit 1
sum=$(sha256sum < "$tmp") || exit 1
if [ "$sum" != "$3  -" ]; then printf '%s\n' "$sum" | cut -d' ' -f1; exit ${EXIT_DIGEST_MISMATCH}; fi
mv -f -- "$tmp" "$2" || exit 1
`;

/**
 * $1 releases dir, $2 version, $3 digest, $4 artifact file, $5 partial dir name (`.<version>.partial-<nonce>`).
 * Prints `present` or `unpacked`.
 */
export const UNPACK_RELEASE = String.raw`
release=$1/$2
if [ -f "$release/.gantry-release" ] && [ "$(cat -- "$release/.gantry-release")" = "$3" ]; then
  echo present; exit 0
fi
if [ ! -f "$4" ]; then printf 'the artifact %s is missing\n' "$4" >&2; exit ${EXIT_NOT_UNPACKED}; fi
mkdir -p -- "$1" || exit 1
for stale in "$1/.$2.partial-"*; do
  if [ -e "$stale" ]; then rm -rf -- "$stale" || exit 1; fi
done
partial=$1/$5
trap 'rm -rf -- "$partial"' EXIT
trap 'exit 143' TERM INT HUP
mkdir -- "$partial" || exit 1
tar -xzf "$4" -C "$partial" --no-same-owner || exit ${EXIT_EXTRACT_FAILED}
touch -- "$partial" || exit 1
printf '%s\n' "$3" > "$partial/.gantry-release" || exit 1
if [ -e "$release" ] || [ -L "$release" ]; then rm -rf -- "$release" || exit 1; fi
mv -T -- "$partial" "$release" || exit 1
trap - EXIT
echo unpacked
`;

/** $1 release dir, $2 file path, $3 its parent dir, $4 temp file; the content on stdin. */
export const WRITE_CONFIG_FILE = String.raw`
if [ ! -f "$1/.gantry-release" ]; then printf 'the release directory %s is not unpacked\n' "$1" >&2; exit ${EXIT_NOT_UNPACKED}; fi
tmp=$4
trap 'rm -f -- "$tmp"' EXIT
trap 'exit 143' TERM INT HUP
mkdir -p -- "$3" || exit 1
cat > "$tmp" || exit 1
mv -T -f -- "$tmp" "$2" || exit 1
`;

/** $1 app dir, $2 version, $3 temp link. */
export const ACTIVATE_RELEASE = String.raw`
if [ ! -f "$1/releases/$2/.gantry-release" ]; then
  printf 'release %s is not unpacked completely\n' "$2" >&2; exit ${EXIT_NOT_UNPACKED}
fi
ln -sfn -- "releases/$2" "$3" || exit 1
mv -T -f -- "$3" "$1/current" || { rm -f -- "$3"; exit 1; }
`;

/** $1 app dir. */
export const DEACTIVATE_RELEASE = String.raw`
rm -f -- "$1/current"
`;

/** $1 app dir. Prints the link target of current, if it is a symlink. */
export const READ_CURRENT = String.raw`
if [ -L "$1/current" ]; then readlink -- "$1/current"; fi
`;

/**
 * $1 app dir. Prints `current <link>`, then `release <version> <digest>` for each complete
 * release, newest unpack first, then `artifact <file>` for each artifact.
 */
export const LIST_RELEASES = String.raw`
cd -- "$1" 2>/dev/null || exit 0
if [ -L current ]; then printf 'current %s\n' "$(readlink current)"; fi
if cd releases 2>/dev/null; then
  ls -1td -- */.gantry-release 2>/dev/null | while IFS= read -r marker; do
    printf 'release %s %s\n' "$(dirname -- "$marker")" "$(cat -- "$marker")"
  done
  cd ..
fi
if cd artifacts 2>/dev/null; then
  for artifact in *.tar.gz; do
    if [ -f "$artifact" ]; then printf 'artifact %s\n' "$artifact"; fi
  done
fi
`;

/**
 * $1 app dir, then the versions to delete, then `--`, then the artifact files to delete.
 * Never deletes the release current points at (re-checked here). Also clears leftovers of
 * interrupted steps older than an hour. Prints `removed <version>` for each release removed.
 */
export const DELETE_RELEASES = String.raw`
app=$1; shift
current=$(readlink -- "$app/current" 2>/dev/null) || current=
kind=release
for item do
  if [ "$item" = -- ]; then kind=artifact; continue; fi
  if [ "$kind" = release ]; then
    if [ "$current" = "releases/$item" ]; then continue; fi
    rm -f -- "$app/releases/$item/.gantry-release" && rm -rf -- "$app/releases/$item" || exit 1
    printf 'removed %s\n' "$item"
  else
    rm -f -- "$app/artifacts/$item" || exit 1
  fi
done
find "$app/releases" -maxdepth 1 -name '.*.partial-*' -mmin +60 -exec rm -rf -- {} + 2>/dev/null
find "$app/artifacts" -maxdepth 1 -name '.*.upload-*' -mmin +60 -exec rm -f -- {} + 2>/dev/null
find "$app" -maxdepth 1 -name '.current.tmp-*' -mmin +60 -exec rm -f -- {} + 2>/dev/null
exit 0
`;
