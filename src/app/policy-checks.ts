/**
 * File and service rules need a look at the machine: the server asks each target, over its own
 * transport (SSH, the agent, or this machine), about exactly the files, patterns and services the
 * policies that apply to it name, and keeps the answers with its facts (`checks`). Policies are
 * then evaluated on them like on any fact. A target that cannot be reached keeps its last answers.
 */
import { checksNeeded } from '../core/policy/evaluate.js';
import type { CheckRequest, FileCheck } from '../core/policy/model.js';
import { labelsMatch } from '../core/names.js';
import type { Target } from '../core/model.js';
import { factsSchema } from '../protocol/agent.js';
import { getTargetFacts } from '../store/target-facts.repository.js';
import * as store from '../store/policies.repository.js';
import type { AppDeps } from './app-deps.js';
import { storeTargetFacts } from './target-facts.js';
import { listAllTargets } from './targets.js';

const CHECK_TIMEOUT_MS = 60_000;
const CONCURRENCY = 4;

/**
 * Inputs come in environment variables, one per line (paths and patterns are one line each and
 * carry no tab); answers come back by position, so no name is ever echoed through the shell.
 */
const CHECK_SCRIPT = String.raw`
tab=$(printf '\t')
printf '%s\n' "$GANTRY_FILES" | while IFS= read -r path; do
  [ -n "$path" ] || continue
  if [ -e "$path" ]; then printf 'file\tyes\t%s\t%s\n' "$(stat -c %a -- "$path")" "$(stat -c %U -- "$path")"; else printf 'file\tno\n'; fi
done
printf '%s\n' "$GANTRY_PATTERNS" | while IFS="$tab" read -r path pattern; do
  [ -n "$path" ] || continue
  if grep -E -q -e "$pattern" -- "$path" 2>/dev/null; then printf 'match\tyes\n'; else printf 'match\tno\n'; fi
done
printf '%s\n' "$GANTRY_SERVICES" | while IFS= read -r name; do
  [ -n "$name" ] || continue
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet -- "$name" 2>/dev/null; then printf 'service\tyes\n'
  elif pgrep -x -- "$name" >/dev/null 2>&1; then printf 'service\tyes\n'
  else printf 'service\tno\n'; fi
done
printf 'end\n'
`;

export interface CheckOutcome {
  readonly target: string;
  /** null when it was checked; else why not (its last answers stay). */
  readonly error: string | null;
}

/** Reads the script's answers for `request`; null when they are not all there. */
export function readCheckAnswers(request: CheckRequest, output: string): { files: FileCheck[]; services: { name: string; running: boolean }[] } | null {
  const lines = output.split('\n').map((line) => line.split('\t'));
  if (!lines.some((fields) => fields[0] === 'end')) return null;
  const of = (kind: string) => lines.filter((fields) => fields[0] === kind);
  const fileLines = of('file');
  const matchLines = of('match');
  const serviceLines = of('service');
  const patternCount = request.files.reduce((count, file) => count + file.patterns.length, 0);
  if (fileLines.length !== request.files.length || matchLines.length !== patternCount || serviceLines.length !== request.services.length) return null;
  let match = 0;
  const files = request.files.map((file, index): FileCheck => {
    const [, exists, mode, owner] = fileLines[index]!;
    const matches = Object.fromEntries(file.patterns.map((pattern) => [pattern, matchLines[match++]![1] === 'yes']));
    if (exists !== 'yes') return { path: file.path, exists: false };
    return { path: file.path, exists: true, mode: (mode ?? '').padStart(4, '0'), ...(owner ? { owner } : {}), ...(file.patterns.length > 0 ? { matches } : {}) };
  });
  const services = request.services.map((name, index) => ({ name, running: serviceLines[index]![1] === 'yes' }));
  return { files, services };
}

async function checkTarget(deps: AppDeps, target: Target, request: CheckRequest): Promise<CheckOutcome> {
  const stored = await getTargetFacts(deps.db, target.name);
  const facts = stored ? factsSchema.safeParse(stored.facts) : null;
  // Checks are kept with the facts; a target that has reported none yet is probed or its agent reports first.
  if (!facts?.success) return { target: target.name, error: 'it has no facts yet (gantry target probe, or its agent reports them)' };
  let output = '';
  try {
    const session = await deps.executor.open(target, { timeoutMs: 10_000 });
    try {
      const result = await session.runCommand(
        {
          command: CHECK_SCRIPT,
          env: {
            GANTRY_FILES: request.files.map((file) => file.path).join('\n'),
            GANTRY_PATTERNS: request.files.flatMap((file) => file.patterns.map((pattern) => `${file.path}\t${pattern}`)).join('\n'),
            GANTRY_SERVICES: request.services.join('\n'),
          },
        },
        { timeoutMs: CHECK_TIMEOUT_MS, onOutput: (stream, chunk) => (stream === 'stdout' && output.length < 1_000_000 ? (output += chunk) : undefined) },
      );
      if (result.exitCode !== 0) return { target: target.name, error: `the check exited with code ${result.exitCode}` };
    } finally {
      await session.close();
    }
  } catch (error) {
    return { target: target.name, error: error instanceof Error ? error.message : String(error) };
  }
  const answers = readCheckAnswers(request, output);
  if (!answers) return { target: target.name, error: 'the check stopped before it answered everything' };
  await storeTargetFacts(deps, target.name, { ...facts.data, checks: { checkedAt: deps.clock.now().toISOString(), ...answers } });
  return { target: target.name, error: null };
}

/**
 * Looks at the files and services the policies name on each target they apply to (all targets,
 * or `targetNames`), a few targets at a time, and keeps the answers with the targets' facts (the
 * caller evaluates the policies on them: see checkPolicies).
 */
export async function runPolicyChecks(deps: AppDeps, targetNames?: readonly string[]): Promise<CheckOutcome[]> {
  const policies = (await store.listPolicies(deps.db)).map((stored) => stored.policy);
  const wanted = targetNames ? new Set(targetNames) : null;
  const work = (await listAllTargets(deps))
    .map((view) => view.target)
    .filter((target) => !wanted || wanted.has(target.name))
    .map((target) => ({ target, request: checksNeeded(policies.filter((policy) => labelsMatch(policy.targets, target.labels)).flatMap((policy) => policy.rules)) }))
    .filter(({ request }) => request.files.length > 0 || request.services.length > 0);
  const outcomes: CheckOutcome[] = [];
  for (let start = 0; start < work.length; start += CONCURRENCY) {
    outcomes.push(...(await Promise.all(work.slice(start, start + CONCURRENCY).map(({ target, request }) => checkTarget(deps, target, request)))));
  }
  return outcomes;
}
