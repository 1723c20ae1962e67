import type { ChangeType } from './change-machine.js';
import {
  DEFAULT_RISK_CONFIG,
  ENVIRONMENT_CRITICALITIES,
  RISK_LEVELS,
  type EnvironmentCriticality,
  type MaintenanceWindowPosition,
  type RiskConfig,
  type RiskFactorId,
  type RiskLevel,
  type RiskRule,
  type RiskRuleCondition,
} from './risk-config.js';

/**
 * Explained change risk: a score from facts Gantry already knows, each factor shown with what
 * was seen and what it added, a level from thresholds, and first-match rules that can force a
 * level; the higher of rule and score wins (ServiceNow's composition, itsm-anchors.md §2.1).
 * Approvers see why, not just a colour. Nothing is read here: the caller gathers the facts.
 */

/** What the caller gathered about a change, as plain values. */
export interface RiskFacts {
  readonly environment: { readonly name: string; readonly criticality: EnvironmentCriticality };
  readonly changeType: ChangeType;
  /** Targets the deployment will touch, and all the targets the environment selects. */
  readonly targets: { readonly touched: number; readonly inEnvironment: number };
  /** Compared with the release live in the environment; for a first deployment, every file counts as changed. */
  readonly release: { readonly filesChanged: number; readonly variablesChanged: number; readonly hasMigrationHooks: boolean };
  /** The app's last `count` deployments to the environment, and how many of them failed or were rolled back. */
  readonly recentDeployments: { readonly count: number; readonly failedOrRolledBack: number };
  readonly window: {
    readonly maintenanceWindow: MaintenanceWindowPosition;
    /** Hours from the planned end to the start of the next freeze (the time left to fix a problem); null when none is ahead. */
    readonly hoursUntilFreeze: number | null;
    /** Hours between now and the planned start. */
    readonly leadTimeHours: number;
  };
  /** The lifecycle environment before this one and whether the release succeeded there; null for the first one. */
  readonly previousEnvironment: { readonly name: string; readonly succeeded: boolean } | null;
  /**
   * The other applications a change to this one reaches through the inventory's relationships
   * (impact analysis, `app:X`, nearest first); absent when not known.
   */
  readonly impact?: { readonly applications: readonly string[] };
}

export interface RiskFactor {
  /** Stable id, the same as the factor's key in the configuration. */
  readonly factor: RiskFactorId;
  readonly label: string;
  /** What was seen, in words. */
  readonly value: string;
  /** Points this factor added to the score. */
  readonly contribution: number;
}

export interface RiskAssessment {
  /** The sum of the factors' contributions. */
  readonly score: number;
  readonly level: RiskLevel;
  /** Every factor, in a stable order, including those that added nothing. */
  readonly factors: readonly RiskFactor[];
  /** The first rule that matched, if any. */
  readonly rule?: { readonly name: string; readonly level: RiskLevel };
  /** How the level was reached, in sentences. */
  readonly reasons: readonly string[];
}

/** What one factor made of the facts: steps on its scale (weighted later) and the words for what it saw. */
interface Grade {
  readonly steps: number;
  readonly value: string;
}

type Factors = RiskConfig['factors'];

/** Steps of a band: one per limit the value reaches. */
const stepsAtLeast = (value: number, limits: readonly number[]) => limits.filter((limit) => value >= limit).length;

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;
const formatNumber = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));
const levelInWords = (level: RiskLevel) => level.replace('_', ' ');

/** Share of the environment touched, in percent; a stale environment count never makes it exceed 100%. */
function sharePercent(targets: RiskFacts['targets']): number {
  const whole = Math.max(targets.touched, targets.inEnvironment);
  return whole === 0 ? 0 : (targets.touched / whole) * 100;
}

function changeFailurePercent(recent: RiskFacts['recentDeployments']): number | null {
  return recent.count === 0 ? null : (recent.failedOrRolledBack / recent.count) * 100;
}

/** Each factor: its label and how it grades the facts with its own configuration. The order is the order shown. */
const FACTORS: { readonly [F in RiskFactorId]: { readonly label: string; readonly grade: (facts: RiskFacts, config: Factors[F]) => Grade } } = {
  environmentCriticality: {
    label: 'Environment criticality',
    grade: ({ environment }) => ({
      steps: ENVIRONMENT_CRITICALITIES.indexOf(environment.criticality),
      value: `${environment.name} is ${environment.criticality}`,
    }),
  },
  blastRadius: {
    label: 'Blast radius',
    // One more step when the change reaches other applications through the inventory: a change to
    // a shared service is wider than the targets it touches.
    grade: ({ targets, impact }, config) => {
      const share = sharePercent(targets);
      const reached = impact?.applications ?? [];
      const beyond = reached.length === 0 ? '' : `; its impact reaches ${plural(reached.length, 'other application', 'other applications')}: ${reached.join(', ')}`;
      return {
        steps: stepsAtLeast(share, config.sharePercentAtLeast) + (reached.length > 0 ? 1 : 0),
        value: `${targets.touched} of ${plural(targets.inEnvironment, 'target', 'targets')} (${formatNumber(share)}%)${beyond}`,
      };
    },
  },
  filesChanged: {
    label: 'Files changed since the live release',
    grade: ({ release }, config) => ({
      steps: stepsAtLeast(release.filesChanged, config.atLeast),
      value: `${plural(release.filesChanged, 'file', 'files')} changed`,
    }),
  },
  variablesChanged: {
    label: 'Configuration and variable changes',
    grade: ({ release }, config) => ({
      steps: stepsAtLeast(release.variablesChanged, config.atLeast),
      value: `${plural(release.variablesChanged, 'change', 'changes')} to configuration or variables`,
    }),
  },
  migrationHooks: {
    label: 'Migration hooks',
    grade: ({ release }) => ({
      steps: release.hasMigrationHooks ? 1 : 0,
      value: release.hasMigrationHooks ? 'the release runs migration hooks' : 'no migration hooks',
    }),
  },
  changeFailureRate: {
    label: 'Recent change failure rate',
    grade: ({ recentDeployments: recent }, config) => {
      const rate = changeFailurePercent(recent);
      if (rate === null) return { steps: config.stepsWithoutHistory, value: 'no deployments yet, so nothing is known' };
      return {
        steps: stepsAtLeast(rate, config.percentAtLeast),
        value: `${recent.failedOrRolledBack} of the last ${plural(recent.count, 'deployment', 'deployments')} failed or were rolled back (${formatNumber(rate)}%)`,
      };
    },
  },
  maintenanceWindow: {
    label: 'Maintenance window',
    grade: ({ window }) => {
      const words = { inside: 'inside a maintenance window', outside: 'outside the maintenance windows', none: 'the environment has no maintenance window' };
      return { steps: window.maintenanceWindow === 'outside' ? 1 : 0, value: words[window.maintenanceWindow] };
    },
  },
  freezeProximity: {
    label: 'Next freeze',
    grade: ({ window: { hoursUntilFreeze } }, config) => {
      if (hoursUntilFreeze === null) return { steps: 0, value: 'no freeze ahead' };
      return {
        steps: config.withinHours.filter((limit) => hoursUntilFreeze <= limit).length,
        value: `a freeze starts ${formatNumber(hoursUntilFreeze)}h after the planned end`,
      };
    },
  },
  leadTime: {
    label: 'Lead time',
    grade: ({ window: { leadTimeHours } }, config) => ({
      steps: config.underHours.filter((limit) => leadTimeHours < limit).length,
      value: leadTimeHours > 0 ? `planned to start ${formatNumber(leadTimeHours)}h from now` : 'planned to start now',
    }),
  },
  changeType: {
    label: 'Change type',
    grade: ({ changeType }) => ({ steps: changeType === 'emergency' ? 1 : 0, value: `${changeType} change` }),
  },
  previousEnvironment: {
    label: 'Previous lifecycle environment',
    grade: ({ previousEnvironment: previous }) => {
      if (previous === null) return { steps: 0, value: 'first environment of the lifecycle' };
      return {
        steps: previous.succeeded ? 0 : 1,
        value: previous.succeeded ? `succeeded in ${previous.name}` : `has not succeeded in ${previous.name}`,
      };
    },
  },
};

/** Points are shown to people: keep them to hundredths so fractional weights do not print 0.30000000000000004. */
const roundPoints = (points: number) => Math.round(points * 100) / 100;

function gradeFactor<F extends RiskFactorId>(factor: F, facts: RiskFacts, config: Factors): RiskFactor {
  const { label, grade } = FACTORS[factor];
  const { steps, value } = grade(facts, config[factor]);
  return { factor, label, value, contribution: roundPoints(steps * config[factor].weight) };
}

/** Whether every condition the rule gives holds for the facts. */
function ruleMatches(when: RiskRuleCondition, facts: RiskFacts): boolean {
  const { environment, release, window, previousEnvironment: previous } = facts;
  const failurePercent = changeFailurePercent(facts.recentDeployments);
  const checks: readonly (boolean | undefined)[] = [
    when.environment?.includes(environment.name),
    when.criticality?.includes(environment.criticality),
    when.changeType?.includes(facts.changeType),
    when.hasMigrationHooks === undefined ? undefined : when.hasMigrationHooks === release.hasMigrationHooks,
    when.maintenanceWindow?.includes(window.maintenanceWindow),
    when.succeededInPreviousEnvironment === undefined ? undefined : previous !== null && previous.succeeded === when.succeededInPreviousEnvironment,
    when.targetsTouchedAtLeast === undefined ? undefined : facts.targets.touched >= when.targetsTouchedAtLeast,
    when.sharePercentAtLeast === undefined ? undefined : sharePercent(facts.targets) >= when.sharePercentAtLeast,
    when.filesChangedAtLeast === undefined ? undefined : release.filesChanged >= when.filesChangedAtLeast,
    when.variablesChangedAtLeast === undefined ? undefined : release.variablesChanged >= when.variablesChangedAtLeast,
    when.changeFailurePercentAtLeast === undefined ? undefined : failurePercent !== null && failurePercent >= when.changeFailurePercentAtLeast,
    when.leadTimeUnderHours === undefined ? undefined : window.leadTimeHours < when.leadTimeUnderHours,
    when.freezeWithinHours === undefined ? undefined : window.hoursUntilFreeze !== null && window.hoursUntilFreeze <= when.freezeWithinHours,
  ];
  return checks.every((check) => check !== false);
}

/** The highest level whose threshold the score reaches. */
function levelOfScore(score: number, thresholds: RiskConfig['thresholds']): RiskLevel {
  if (score >= thresholds.very_high) return 'very_high';
  if (score >= thresholds.high) return 'high';
  if (score >= thresholds.moderate) return 'moderate';
  return 'low';
}

const rank = (level: RiskLevel) => RISK_LEVELS.indexOf(level);

function explainScore(score: number, level: RiskLevel, factors: readonly RiskFactor[], thresholds: RiskConfig['thresholds']): string[] {
  const adding = factors.filter((factor) => factor.contribution !== 0);
  const sum = adding.map((f) => `${f.label.toLowerCase()}: ${f.value} (+${f.contribution})`).join('; ');
  const total = adding.length === 0 ? `Score ${score}: no factor adds risk.` : `Score ${score} from ${sum}.`;
  const verdict =
    level === 'low'
      ? `Score ${score} is below the moderate threshold (${thresholds.moderate}), so the score says low.`
      : `Score ${score} reaches the ${levelInWords(level)} threshold (${thresholds[level]}), so the score says ${levelInWords(level)}.`;
  return [total, verdict];
}

function explainRule(rule: RiskRule | undefined, scoreLevel: RiskLevel, rulesConfigured: boolean): string[] {
  if (rule === undefined) return rulesConfigured ? ['No rule matches, so the score decides.'] : [];
  const [ruleWords, scoreWords] = [levelInWords(rule.level), levelInWords(scoreLevel)];
  const matched = `Rule "${rule.name}" matches and sets ${ruleWords}.`;
  if (rank(rule.level) > rank(scoreLevel)) return [matched, `The rule's ${ruleWords} is higher than the score's ${scoreWords}, so the risk is ${ruleWords}.`];
  if (rank(rule.level) < rank(scoreLevel)) return [matched, `The score's ${scoreWords} is higher than the rule's ${ruleWords}, so the risk is ${scoreWords}.`];
  return [matched, `The rule and the score agree: the risk is ${ruleWords}.`];
}

/** Assesses a change's risk from the facts; the configuration is the parsed settings, or the defaults. */
export function assessRisk(facts: RiskFacts, config: RiskConfig = DEFAULT_RISK_CONFIG): RiskAssessment {
  const factors = (Object.keys(FACTORS) as RiskFactorId[]).map((factor) => gradeFactor(factor, facts, config.factors));
  const score = roundPoints(factors.reduce((sum, factor) => sum + factor.contribution, 0));
  const scoreLevel = levelOfScore(score, config.thresholds);
  const rule = config.rules.find((candidate) => ruleMatches(candidate.when, facts));
  const level = rule !== undefined && rank(rule.level) > rank(scoreLevel) ? rule.level : scoreLevel;
  const reasons = [...explainScore(score, scoreLevel, factors, config.thresholds), ...explainRule(rule, scoreLevel, config.rules.length > 0)];
  return rule === undefined ? { score, level, factors, reasons } : { score, level, factors, rule: { name: rule.name, level: rule.level }, reasons };
}
