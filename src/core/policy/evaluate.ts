import { labelsMatch } from '../names.js';
import { compareVersions } from '../patch/versions.js';
import type { CheckRequest, Policy, PolicyFacts, PolicyResult, PolicyRule } from './model.js';

/** What the caller says of a target without recent facts. */
export const NO_FACTS_REASON = 'no facts reported in the last 7 days';

/** One rule on one target: passed, failed (why), or could not be decided from the facts (why). */
export type RuleOutcome = { readonly state: 'pass' } | { readonly state: 'fail' | 'unknown'; readonly reason: string };

export interface PolicyTarget {
  readonly labels: Readonly<Record<string, string>>;
  /** The target's last facts; `null` when none are recent enough. */
  readonly facts: PolicyFacts | null;
}

/**
 * A target against a policy. A policy whose selector does not pick the target is
 * `not_applicable` (whatever its facts); without facts it is `unknown`. Otherwise every rule is
 * checked: any failed rule makes it `fail` (one reason per failed rule, in rule order); else any
 * rule the facts cannot decide makes it `unknown` (one reason per such rule); else `pass`.
 */
export function evaluatePolicy(policy: Policy, target: PolicyTarget): PolicyResult {
  if (!labelsMatch(policy.targets, target.labels)) return { state: 'not_applicable', reasons: [] };
  const facts = target.facts;
  if (facts === null) return { state: 'unknown', reasons: [NO_FACTS_REASON] };
  const outcomes = policy.rules.map((rule) => evaluateRule(rule, facts));
  const reasonsOf = (state: 'fail' | 'unknown') => outcomes.flatMap((outcome) => (outcome.state === state ? [outcome.reason] : []));
  const failed = reasonsOf('fail');
  if (failed.length > 0) return { state: 'fail', reasons: failed };
  const undecided = reasonsOf('unknown');
  if (undecided.length > 0) return { state: 'unknown', reasons: undecided };
  return { state: 'pass', reasons: [] };
}

export function evaluateRule(rule: PolicyRule, facts: PolicyFacts): RuleOutcome {
  switch (rule.kind) {
    case 'package':
      return packageOutcome(rule, facts);
    case 'os':
      return osOutcome(rule, facts);
    case 'agentVersion':
      return agentOutcome(rule, facts);
    case 'diskFree':
      return diskOutcome(rule, facts);
    case 'file':
      return fileOutcome(rule, facts);
    case 'service':
      return serviceOutcome(rule, facts);
  }
}

/** The files and services these rules need looked at on a target. */
export function checksNeeded(rules: readonly PolicyRule[]): CheckRequest {
  const files = new Map<string, Set<string>>();
  const services = new Set<string>();
  for (const rule of rules) {
    if (rule.kind === 'file') {
      const patterns = files.get(rule.path) ?? new Set<string>();
      if (rule.contains !== null) patterns.add(rule.contains);
      files.set(rule.path, patterns);
    } else if (rule.kind === 'service') services.add(rule.name);
  }
  return { files: [...files].sort(([a], [b]) => (a < b ? -1 : 1)).map(([path, patterns]) => ({ path, patterns: [...patterns].sort() })), services: [...services].sort() };
}

function fileOutcome(rule: Extract<PolicyRule, { kind: 'file' }>, facts: PolicyFacts): RuleOutcome {
  const found = facts.checks?.files.find((file) => file.path === rule.path);
  if (!found) return unknown(`file ${rule.path} has not been checked on the target yet (gantry policy check)`);
  if (!rule.exists) return found.exists ? fail(`file ${rule.path} exists, it must not`) : PASS;
  if (!found.exists) return fail(`file ${rule.path} does not exist`);
  const problems: string[] = [];
  if (rule.mode !== null && found.mode !== rule.mode) problems.push(`its mode is ${found.mode ?? 'unknown'}, not ${rule.mode}`);
  if (rule.owner !== null && found.owner !== rule.owner) problems.push(`its owner is ${found.owner ?? 'unknown'}, not ${rule.owner}`);
  if (rule.contains !== null) {
    const matched = found.matches?.[rule.contains];
    if (matched === undefined) return unknown(`file ${rule.path} has not been checked for /${rule.contains}/ yet (gantry policy check)`);
    if (!matched) problems.push(`no line matches /${rule.contains}/`);
  }
  return problems.length === 0 ? PASS : fail(`file ${rule.path}: ${problems.join(', ')}`);
}

function serviceOutcome(rule: Extract<PolicyRule, { kind: 'service' }>, facts: PolicyFacts): RuleOutcome {
  const found = facts.checks?.services.find((service) => service.name === rule.name);
  if (!found) return unknown(`service ${rule.name} has not been checked on the target yet (gantry policy check)`);
  if (found.running === rule.running) return PASS;
  return fail(rule.running ? `service ${rule.name} is not running` : `service ${rule.name} is running, it must not be`);
}

const PASS: RuleOutcome = { state: 'pass' };
const fail = (reason: string): RuleOutcome => ({ state: 'fail', reason });
const unknown = (reason: string): RuleOutcome => ({ state: 'unknown', reason });

function packageOutcome(rule: Extract<PolicyRule, { kind: 'package' }>, facts: PolicyFacts): RuleOutcome {
  if (facts.packages === null) return unknown(`package ${rule.name} cannot be checked: the target reports no package manager`);
  const installed = facts.packages.packages.get(rule.name);
  if (!rule.present) return installed === undefined ? PASS : fail(`package ${rule.name} is installed (${installed}), it must not be`);
  if (installed === undefined) return fail(rule.minVersion === null ? `package ${rule.name} is not installed` : `package ${rule.name} is not installed (${rule.minVersion} or later is required)`);
  if (rule.minVersion !== null && compareVersions(facts.packages.format, installed, rule.minVersion) < 0) {
    return fail(`package ${rule.name} ${installed} is below ${rule.minVersion}`);
  }
  return PASS;
}

function osOutcome(rule: Extract<PolicyRule, { kind: 'os' }>, facts: PolicyFacts): RuleOutcome {
  // The OS comes with the package report (os-release); without one there is nothing to compare.
  if (facts.packages === null) return unknown('os cannot be checked: the target reports no os-release (no package report)');
  const { id, versionId } = facts.packages.os;
  const idMatches = rule.ids.includes(id);
  const versionMatches = rule.versions.length === 0 || rule.versions.some((version) => versionId === version || versionId.startsWith(`${version}.`));
  if (idMatches && versionMatches) return PASS;
  const current = versionId === '' ? id : `${id} ${versionId}`;
  return fail(`os ${current} is not supported (${describeSupported(rule.ids, rule.versions)})`);
}

/** `debian 12`, `debian 12 or 13`, `debian or ubuntu, version 12 or 22.04`, `debian or ubuntu`. */
function describeSupported(ids: readonly string[], versions: readonly string[]): string {
  const anyOf = (values: readonly string[]) => values.join(' or ');
  if (versions.length === 0) return anyOf(ids);
  return ids.length === 1 ? `${ids[0]} ${anyOf(versions)}` : `${anyOf(ids)}, version ${anyOf(versions)}`;
}

function agentOutcome(rule: Extract<PolicyRule, { kind: 'agentVersion' }>, facts: PolicyFacts): RuleOutcome {
  const comparison = compareAgentVersions(facts.agentVersion, rule.min);
  if (comparison === null) return unknown(`agent version "${facts.agentVersion}" cannot be compared with ${rule.min}`);
  return comparison < 0 ? fail(`agent ${facts.agentVersion} is older than ${rule.min}`) : PASS;
}

function diskOutcome(rule: Extract<PolicyRule, { kind: 'diskFree' }>, facts: PolicyFacts): RuleOutcome {
  const mount = normaliseMount(rule.mount);
  const disk = facts.disks.find((candidate) => normaliseMount(candidate.mount) === mount);
  if (disk === undefined) {
    const reported = facts.disks.map((candidate) => candidate.mount);
    return unknown(`${mount} cannot be checked: it is not among the reported mounts (${reported.length > 0 ? reported.join(', ') : 'none'})`);
  }
  if (!(disk.sizeBytes > 0) || !(disk.freeBytes >= 0)) return unknown(`${mount} cannot be checked: its reported size is ${disk.sizeBytes} bytes with ${disk.freeBytes} free`);
  const freePercent = (Math.min(disk.freeBytes, disk.sizeBytes) / disk.sizeBytes) * 100;
  if (freePercent >= rule.minPercent) return PASS;
  return fail(`${mount} has ${formatPercent(freePercent)}% free, below ${rule.minPercent}%`);
}

/** One decimal, rounded down so a share just under the minimum never reads as the minimum (9.96 → 9.9). */
function formatPercent(percent: number): string {
  // The epsilon keeps float noise (4.2 computed as 4.19999…) from showing as 4.1.
  return String(Math.floor(percent * 10 + 1e-9) / 10);
}

/** `/var/` → `/var`; `/` stays. */
export function normaliseMount(mount: string): string {
  const trimmed = mount.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}

export interface AgentVersion {
  /** The dotted numbers, as digits (leading zeros dropped). */
  readonly parts: readonly string[];
  /** After `-`: `rc1`, `beta.2`; `null` for a release. */
  readonly preRelease: string | null;
}

const AGENT_VERSION = /^v?(\d+(?:\.\d+)*)(?:-([0-9A-Za-z][0-9A-Za-z.-]*))?(?:\+[0-9A-Za-z.-]+)?$/;

/** `1.10.0`, `0.2`, `v1.2.0-rc1`, `1.2.0+build.5` (build metadata ignored); `null` if not a version. */
export function parseAgentVersion(version: string): AgentVersion | null {
  const match = AGENT_VERSION.exec(version.trim());
  if (!match) return null;
  return { parts: match[1]!.split('.').map(stripZeros), preRelease: match[2] ?? null };
}

/**
 * Negative, zero or positive as agent version `a` is older than, the same as or newer than `b`:
 * dotted numbers compared part by part (1.10.0 > 1.9.3; missing parts are 0, so 1.2 = 1.2.0),
 * then a pre-release sorts before its release (1.2.0-rc1 < 1.2.0), and pre-releases compare
 * naturally (rc2 < rc10). `null` when either is not a version.
 */
export function compareAgentVersions(a: string, b: string): number | null {
  const left = parseAgentVersion(a);
  const right = parseAgentVersion(b);
  if (left === null || right === null) return null;
  const length = Math.max(left.parts.length, right.parts.length);
  for (let index = 0; index < length; index++) {
    const order = compareDigits(left.parts[index] ?? '0', right.parts[index] ?? '0');
    if (order !== 0) return order;
  }
  if (left.preRelease === right.preRelease) return 0;
  if (left.preRelease === null) return 1;
  if (right.preRelease === null) return -1;
  return compareNatural(left.preRelease, right.preRelease);
}

function stripZeros(digits: string): string {
  return digits.replace(/^0+(?=\d)/, '');
}

/** Numbers of any length, as digit strings without leading zeros. */
function compareDigits(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Runs of digits compare as numbers and sort before letters; other runs compare as text. */
function compareNatural(a: string, b: string): number {
  const left = a.match(/\d+|\D+/g) ?? [];
  const right = b.match(/\d+|\D+/g) ?? [];
  for (let index = 0; index < Math.min(left.length, right.length); index++) {
    const x = left[index]!;
    const y = right[index]!;
    const xDigits = /^\d/.test(x);
    const yDigits = /^\d/.test(y);
    const order = xDigits && yDigits ? compareDigits(stripZeros(x), stripZeros(y)) : xDigits ? -1 : yDigits ? 1 : x < y ? -1 : x > y ? 1 : 0;
    if (order !== 0) return order;
  }
  return left.length - right.length;
}
