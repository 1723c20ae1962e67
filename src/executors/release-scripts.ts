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
 * Exit codes 93-98 are the programs' own refusals and verdicts; any other non-zero code is a
 * plain failure.
 */

export const EXIT_DIGEST_MISMATCH = 93;
export const EXIT_NOT_UNPACKED = 94;
export const EXIT_EXTRACT_FAILED = 95;
export const EXIT_TRAFFIC_TEST_FAILED = 96;
export const EXIT_TRAFFIC_RELOAD_FAILED = 97;
export const EXIT_TRAFFIC_NOT_PUT_BACK = 98;

/** APPLY_TRAFFIC_CONFIG announces each phase on stderr with one of these lines, so the output of the command that failed can be told apart. */
export const EXIT_ENVIRONMENT_MISSING = 125;
export const TRAFFIC_PHASE_MARKER = 'gantry: ';
export const TRAFFIC_TEST_MARKER = 'gantry: testing the configuration';
export const TRAFFIC_RELOAD_MARKER = 'gantry: reloading';

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

/**
 * $1 the load balancer's configuration file (absolute), $2 a nonce, $3 the reload command,
 * $4 the test command (absent: no test); the new content on stdin.
 *
 * A symlinked file is followed, so the link stays a link. The content is written to
 * `.<name>.gantry-new-<nonce>` beside the file — starting as a copy of the previous file, so it
 * keeps its mode and owner (0644 if there was none) — and renamed over it, after the previous
 * file was linked (or copied) to `<file>.gantry-previous`. The test and the reload then run with
 * `sh -c` in the file's directory, with no input. If either fails, or the program is stopped
 * (TERM, INT, HUP: timeout, cancel, a dropped SSH session), the previous file is renamed back
 * (or the new one removed if there was none); after a failed reload, the reload runs once more
 * so that a load balancer that loaded the new file before the command failed loads the previous
 * one again. Exits 96 when the test failed, 97 when the reload failed, 98 when the previous file
 * could not be put back (the new one is in place), 1 when the file could not be written.
 */
export const APPLY_TRAFFIC_CONFIG = String.raw`
file=$1
if [ -L "$file" ]; then
  file=$(readlink -f -- "$1") || { printf 'gantry: cannot follow the symbolic link %s\n' "$1" >&2; exit 1; }
fi
dir=$(dirname -- "$file")
tmp=$dir/.$(basename -- "$file").gantry-new-$2
backup=$file.gantry-previous
if [ ! -d "$dir" ]; then printf 'gantry: the directory %s does not exist\n' "$dir" >&2; exit 1; fi
if [ -e "$file" ] && [ ! -f "$file" ]; then printf 'gantry: %s is not a regular file\n' "$file" >&2; exit 1; fi
previous=no
if [ -f "$file" ]; then previous=yes; fi
installed=no
put_back() {
  if [ "$installed" != yes ]; then return 0; fi
  if [ "$previous" = yes ]; then
    mv -f -T -- "$backup" "$file" || { printf 'gantry: could not put the previous configuration back; %s holds the new one\n' "$file" >&2; return 1; }
    printf 'gantry: put the previous configuration back\n' >&2
  else
    rm -f -- "$file" || { printf 'gantry: could not remove the new configuration %s\n' "$file" >&2; return 1; }
    printf 'gantry: removed the new configuration; there was none before\n' >&2
  fi
  installed=no
}
trap 'rm -f -- "$tmp"; put_back || exit ${EXIT_TRAFFIC_NOT_PUT_BACK}' EXIT
trap 'exit 143' TERM INT HUP
if [ "$previous" = yes ]; then
  ln -f -- "$file" "$backup" 2>/dev/null || cp -p -- "$file" "$backup" || exit 1
  cp -p -- "$file" "$tmp" || exit 1
else
  (umask 022 && : > "$tmp") || exit 1
  chmod 0644 -- "$tmp" || exit 1
fi
cat > "$tmp" || exit 1
installed=yes
mv -f -T -- "$tmp" "$file" || exit 1
cd -- "$dir" || exit 1
if [ "$#" -ge 4 ]; then
  printf 'gantry: testing the configuration\n' >&2
  sh -c "$4" < /dev/null || { printf 'gantry: the configuration test failed\n' >&2; exit ${EXIT_TRAFFIC_TEST_FAILED}; }
fi
printf 'gantry: reloading\n' >&2
if ! sh -c "$3" < /dev/null; then
  printf 'gantry: the reload failed\n' >&2
  put_back || exit ${EXIT_TRAFFIC_NOT_PUT_BACK}
  printf 'gantry: reloading the previous configuration\n' >&2
  sh -c "$3" < /dev/null || printf 'gantry: reloading the previous configuration failed too\n' >&2
  exit ${EXIT_TRAFFIC_RELOAD_FAILED}
fi
installed=no
rm -f -- "$backup" 2>/dev/null
exit 0
`;

/**
 * Reads a hook's environment from standard input and exports it: one `NAME=<base64 of the
 * value>` line per variable, then an empty line. Values travel on stdin rather than in the
 * command line, where `ps` on the target would show them (secrets among them). Input that ends
 * before the empty line (a connection that dropped) stops here: a hook never runs without its
 * environment. Prefix of a script; the hook is exec'ed after it and inherits the (spent) input.
 */
// A plain template (not String.raw): the shell's own ${…} expansions are escaped as \${…}.
export const ENVIRONMENT_FROM_STDIN = `
__gantry_env_done=no
while IFS= read -r __gantry_env_line; do
  if [ -z "$__gantry_env_line" ]; then __gantry_env_done=yes; break; fi
  __gantry_env_value=$(printf '%s' "\${__gantry_env_line#*=}" | base64 -d && printf x) || exit ${EXIT_ENVIRONMENT_MISSING}
  export "\${__gantry_env_line%%=*}=\${__gantry_env_value%x}"
done
if [ "$__gantry_env_done" != yes ]; then printf 'gantry: the hook environment did not arrive; the hook was not run\\n' >&2; exit ${EXIT_ENVIRONMENT_MISSING}; fi
unset __gantry_env_done __gantry_env_line __gantry_env_value
`;

/** Runs `$2` with `sh -c` in the directory `$1` (made if missing), with the environment from stdin. */
export const RUN_IN_DIRECTORY = String.raw`
mkdir -p -- "$1" && cd -- "$1" || exit 1
${ENVIRONMENT_FROM_STDIN}
exec sh -c "$2"
`;
