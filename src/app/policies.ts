/**
 * Endpoint compliance policies (issue 9), Fleet/Intune style: declarative rules on the facts a
 * target's agent reports, evaluated whenever a policy is applied and whenever facts arrive. Each
 * target's latest result is kept with when it entered that state, and every change of state (a
 * flip) is recorded. No recent facts (older than a week, or none: SSH and local targets report
 * none) make a target `unknown`, never passing.
 */
import { GantryError } from '../core/errors.js';
import { evaluatePolicy } from '../core/policy/evaluate.js';
import type { Policy, PolicyFacts, PolicyState } from '../core/policy/model.js';
import { policyInputSchema, toPolicy } from '../core/policy/policy-schema.js';
import * as store from '../store/policies.repository.js';
import type { AppDeps } from './app-deps.js';
import { listAllApplications } from './applications.js';
import { parseInput } from './parse-input.js';
import { runPolicyChecks, type CheckOutcome } from './policy-checks.js';
import { environmentsOf, packagesOf, recentFacts } from './patch.js';
import { listAllTargets, type TargetView } from './targets.js';

export type { PolicyFlip, StoredPolicy } from '../store/policies.repository.js';

/** What a target's recent facts say, as policies read them; null when there are none. */
export function policyFactsOf(view: TargetView, now: Date): PolicyFacts | null {
  const facts = recentFacts(view, now);
  if (!facts) return null;
  return {
    packages: packagesOf(view, now),
    agentVersion: facts.agentVersion,
    disks: facts.disks.map((disk) => ({ mount: disk.mount, sizeBytes: disk.sizeBytes, freeBytes: disk.freeBytes })),
    checks: facts.checks ?? null,
  };
}

/**
 * Creates or replaces a policy (checked whole first: a problem names its field and stores
 * nothing), then evaluates it against every target.
 */
export async function applyPolicy(deps: AppDeps, input: unknown): Promise<{ readonly policy: Policy; readonly outcome: 'created' | 'updated' }> {
  const policy = toPolicy(parseInput(policyInputSchema, input, '', 'policy'));
  const outcome = await store.savePolicy(deps.db, policy, deps.clock.now().toISOString());
  // File and service rules need a look at the targets first; a target that cannot be asked stays unknown.
  if (policy.rules.some((rule) => rule.kind === 'file' || rule.kind === 'service')) await runPolicyChecks(deps);
  await evaluatePolicies(deps, undefined, { policies: [policy.name] });
  return { policy, outcome };
}

/** Looks at the files and services the policies name on the targets (all, or these), then evaluates the policies there. */
export async function checkPolicies(deps: AppDeps, targetNames?: readonly string[]): Promise<CheckOutcome[]> {
  const outcomes = await runPolicyChecks(deps, targetNames);
  await evaluatePolicies(deps, targetNames);
  return outcomes;
}

export async function deletePolicy(deps: AppDeps, name: string): Promise<void> {
  if (!(await store.deletePolicy(deps.db, name))) throw new GantryError('POLICY_NOT_FOUND', `policy ${name} does not exist`, { where: 'name' });
}

export async function showPolicy(deps: AppDeps, name: string): Promise<store.StoredPolicy> {
  const stored = await store.getPolicy(deps.db, name);
  if (!stored) throw new GantryError('POLICY_NOT_FOUND', `policy ${name} does not exist`, { where: 'name' });
  return stored;
}

export async function listPolicies(deps: AppDeps): Promise<store.StoredPolicy[]> {
  return store.listPolicies(deps.db);
}

/**
 * Evaluates policies (all, or `options.policies`) against targets (all, or `targetNames`) and
 * stores the results; a state that differs from the stored one is recorded as a flip. Evaluating
 * against every target also drops the results of targets that are gone. Returns the flips.
 */
export async function evaluatePolicies(deps: AppDeps, targetNames?: readonly string[], options: { readonly policies?: readonly string[] } = {}): Promise<Omit<store.PolicyFlip, 'seq'>[]> {
  const wanted = options.policies ? new Set(options.policies) : null;
  const policies = (await store.listPolicies(deps.db)).map((stored) => stored.policy).filter((policy) => !wanted || wanted.has(policy.name));
  if (policies.length === 0) return [];
  const names = targetNames ? new Set(targetNames) : null;
  const targets = (await listAllTargets(deps)).filter((view) => !names || names.has(view.target.name));
  const now = deps.clock.now();
  const results = targets.flatMap((view) => {
    const facts = policyFactsOf(view, now);
    return policies.map((policy) => {
      const { state, reasons } = evaluatePolicy(policy, { labels: view.target.labels, facts });
      return { policy: policy.name, target: view.target.name, state, reasons };
    });
  });
  let stale: { policy: string; target: string }[] = [];
  if (!names) {
    const present = new Set(targets.map((view) => view.target.name));
    const evaluated = new Set(policies.map((policy) => policy.name));
    stale = (await store.listPolicyResults(deps.db)).filter((result) => evaluated.has(result.policy) && !present.has(result.target)).map(({ policy, target }) => ({ policy, target }));
  }
  return store.saveEvaluations(deps.db, results, now.toISOString(), stale);
}

export interface PolicyResultRow {
  readonly target: string;
  /** The environments whose selectors pick the target (in any application), as far as the caller may see them. */
  readonly environments: readonly string[];
  readonly policy: string;
  readonly state: PolicyState;
  readonly reasons: readonly string[];
  /** What to do about a failure (the policy's `resolution`). */
  readonly resolution: string;
  /** When the target entered this state. */
  readonly since: string;
  readonly evaluatedAt: string;
}

export interface ComplianceCounts {
  /** Targets × policies that concern them (not_applicable left out). */
  readonly total: number;
  readonly pass: number;
  readonly fail: number;
  /** No recent facts: a bucket of its own, never counted as passing. */
  readonly unknown: number;
  readonly passPercent: number | null;
  readonly failPercent: number | null;
  readonly unknownPercent: number | null;
}

export interface PolicyCompliance {
  readonly generatedAt: string;
  readonly results: readonly PolicyResultRow[];
  readonly environments: readonly {
    readonly environment: string;
    readonly overall: ComplianceCounts;
    readonly policies: readonly ({ readonly policy: string } & ComplianceCounts)[];
  }[];
}

function countsOf(states: readonly PolicyState[]): ComplianceCounts {
  const counted = states.filter((state) => state !== 'not_applicable');
  const total = counted.length;
  const count = (state: PolicyState) => counted.filter((one) => one === state).length;
  const percent = (value: number) => (total === 0 ? null : Math.round((value * 1000) / total) / 10);
  const [pass, fail, unknown] = [count('pass'), count('fail'), count('unknown')];
  return { total, pass, fail, unknown, passPercent: percent(pass), failPercent: percent(fail), unknownPercent: percent(unknown) };
}

/**
 * Every target × policy, for the environments `visible` lets through (a target in none of them is
 * left out), and per environment: pass, fail and unknown, overall and per policy. Policies are
 * evaluated first, so that facts gone stale since they arrived count as unknown.
 */
export async function policyResults(deps: AppDeps, visible: (environment: string) => boolean): Promise<PolicyCompliance> {
  await evaluatePolicies(deps);
  const [policies, stored, targets, applications] = await Promise.all([store.listPolicies(deps.db), store.listPolicyResults(deps.db), listAllTargets(deps), listAllApplications(deps)]);
  const resolutions = new Map(policies.map((entry) => [entry.policy.name, entry.policy.resolution]));
  const environmentsByTarget = new Map(targets.map((view) => [view.target.name, environmentsOf(applications, view.target.labels).filter(visible)]));
  const results: PolicyResultRow[] = [];
  for (const result of stored) {
    const environments = environmentsByTarget.get(result.target) ?? [];
    if (environments.length === 0 || !resolutions.has(result.policy)) continue;
    results.push({ target: result.target, environments, policy: result.policy, state: result.state, reasons: result.reasons, resolution: resolutions.get(result.policy) ?? '', since: result.since, evaluatedAt: result.evaluatedAt });
  }
  results.sort((a, b) => a.target.localeCompare(b.target) || a.policy.localeCompare(b.policy));
  const environmentNames = [...new Set(results.flatMap((row) => row.environments))].sort();
  const environments = environmentNames.map((environment) => {
    const rows = results.filter((row) => row.environments.includes(environment));
    const policyNames = [...new Set(rows.map((row) => row.policy))].sort();
    return {
      environment,
      overall: countsOf(rows.map((row) => row.state)),
      policies: policyNames.map((policy) => ({ policy, ...countsOf(rows.filter((row) => row.policy === policy).map((row) => row.state)) })),
    };
  });
  return { generatedAt: deps.clock.now().toISOString(), results, environments };
}

/**
 * A policy's flips, newest first, of the targets in the environments `visible` lets through
 * (evaluated first, so that facts gone stale show).
 */
export async function policyHistory(deps: AppDeps, name: string, visible: (environment: string) => boolean): Promise<store.PolicyFlip[]> {
  await showPolicy(deps, name);
  await evaluatePolicies(deps, undefined, { policies: [name] });
  const [flips, targets, applications] = await Promise.all([store.listPolicyFlips(deps.db, name), listAllTargets(deps), listAllApplications(deps)]);
  const shown = new Set(targets.filter((view) => environmentsOf(applications, view.target.labels).some(visible)).map((view) => view.target.name));
  return flips.filter((flip) => shown.has(flip.target));
}
