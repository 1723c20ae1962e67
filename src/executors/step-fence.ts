/**
 * No step runs twice at once on a local or SSH target. A node killed with SIGKILL leaves the
 * step it ran still running on the target (the script leads its own process group, and nothing
 * stops it), while the node that takes the deployment over runs the same step again as the next
 * attempt. So every command of a step attempt is wrapped in STEP_FENCE, which keeps one record per
 * deployment and target, `<root>/.gantry/steps/<deployment>__<target>`: the process group of the
 * command running now, the fencing token of the lease it runs under, its step key, and the start
 * time of the group's leader. Before the command starts, a record left by a command that still
 * runs is dealt with: one of a newer lease wins (this command is not run), one of this lease or
 * an older one is stopped — SIGTERM to its group, SIGKILL after a short grace, and the command
 * waits until the group is gone (bounded: if it will not go, this command is not run either).
 *
 * Process group ids are reused, so a group is signalled only if its leader's start time still
 * matches the record (field 22 of /proc/<pid>/stat, or `ps -o lstart=` where there is no /proc),
 * as the agent's attempt journal does; a record whose leader has exited (even if processes it
 * left in the background live on), or whose start time could not be read, stops nothing. Both
 * transports make the script the leader of its own process group (`$$` is the group id).
 * Checking and writing the record holds `flock` on `<root>/.gantry/steps/.lock` where flock(1)
 * exists (the lease already keeps one holder at a time; the lock closes the race of a holder that
 * has lost its lease without knowing yet). The command runs as a child of the fence, which then
 * removes its record and ends as the command did (by the same signal, if it was killed by one).
 *
 * Agents keep their own attempt journal (src/agent/attempt-journal.ts) and are not fenced here.
 */
import { posix } from 'node:path';
import { GantryError } from '../core/errors.js';
import { isSafeName } from '../core/names.js';
import type { StepAttempt } from '../engine/ports.js';
import { scriptWithArgs } from './shell-quote.js';

/** The fence did not run the command: a newer holder runs this deployment here, or an earlier command would not stop. */
export const EXIT_STEP_FENCED = 92;
/** Every line the fence writes starts so; with EXIT_STEP_FENCED it tells the fence's refusal from a command's own exit 92. */
export const STEP_FENCE_MARKER = 'gantry fence: ';

export const STEPS_DIR = '.gantry/steps';

/**
 * $1 the steps dir, $2 the record file, $3 the step key, $4 the fencing token, $5 the command.
 * A plain template (not String.raw): the shell's own ${…} are escaped as \${…}, its `\n` as `\\n`.
 * Where /proc exists, checking a record and writing one start no program but flock.
 */
export const STEP_FENCE = `
steps=$1 record=$2 key=$3 token=$4
started() {
  start=
  if [ -r "/proc/$$/stat" ]; then
    read -r start 2>/dev/null < "/proc/$1/stat" || { start=; return; }
    set -f; set -- \${start##*) }; set +f
    start=
    if [ "$#" -ge 20 ]; then shift 19; start=$1; fi
  else
    start=$(ps -o lstart= -p "$1" 2>/dev/null)
  fi
}
alive() {
  members=$(ps -A -o pgid= -o stat= 2>/dev/null) || { kill -s 0 -- "-$1" 2>/dev/null; return; }
  printf '%s\\n' "$members" | awk -v group="$1" '$1 == group && $2 !~ /^Z/ { found = 1 } END { exit !found }'
}
stop_group() {
  kill -s "$2" -- "-$1" 2>/dev/null
  waited=0
  while alive "$1" && [ "$waited" -lt "$3" ]; do sleep 0.1 2>/dev/null || sleep 1; waited=$((waited + 1)); done
  ! alive "$1"
}
if [ ! -d "$steps" ]; then mkdir -p -- "$steps" || exit 1; fi
if command -v flock >/dev/null 2>&1; then
  exec 9>>"$steps/.lock" || exit 1
  flock -w 30 9 || { printf 'gantry fence: %s/.lock stayed locked; %s was not run\\n' "$steps" "$key" >&2; exit ${EXIT_STEP_FENCED}; }
fi
if [ -f "$record" ] && read -r held_pid held_token held_key held_start < "$record" && [ "$held_pid" != "$$" ] && [ -n "$held_start" ] && started "$held_pid" && [ "$start" = "$held_start" ]; then
  if [ "$held_token" -gt "$token" ]; then
    printf 'gantry fence: %s runs here under a newer lease (fencing token %s, this one holds %s); %s was not run\\n' "$held_key" "$held_token" "$token" "$key" >&2
    exit ${EXIT_STEP_FENCED}
  fi
  printf 'gantry fence: stopping %s (process group %s), which an earlier holder left running\\n' "$held_key" "$held_pid" >&2
  if ! stop_group "$held_pid" TERM 20 && ! stop_group "$held_pid" KILL 50; then
    printf 'gantry fence: %s (process group %s) did not stop; %s was not run beside it\\n' "$held_key" "$held_pid" "$key" >&2
    exit ${EXIT_STEP_FENCED}
  fi
fi
started "$$"
printf '%s %s %s %s\\n' "$$" "$token" "$key" "$start" > "$record" || exit 1
exec 9>&-
sh -c "$5" sh
status=$?
if [ -f "$record" ] && read -r held_pid held_token held_rest < "$record" && [ "$held_pid" = "$$" ] && [ "$held_token" = "$token" ]; then rm -f -- "$record"; fi
if [ "$status" -gt 128 ] && signal=$(kill -l "$status" 2>/dev/null); then kill -s "$signal" "$$"; fi
exit "$status"
`;

/** `script`, run under the fence of its step attempt on a target whose root is `root`. */
export function fencedScript(root: string, attempt: StepAttempt, script: string): string {
  const [deployment = '', target = ''] = attempt.key.split('/');
  if (!isSafeName(deployment) || !isSafeName(target)) throw new GantryError('INTERNAL', `the step key ${JSON.stringify(attempt.key)} does not start with a deployment and a target`);
  const steps = posix.join(root, STEPS_DIR);
  return scriptWithArgs(STEP_FENCE, [steps, posix.join(steps, `${deployment}__${target}`), attempt.key, String(attempt.fencingToken), script]);
}
