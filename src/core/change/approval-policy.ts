import type { ChangeType } from './change-machine.js';
import { RISK_LEVELS, type RiskLevel } from './risk-config.js';

/** A rule's `minimumRisk` matches its level and every level above it. */
export function isRiskAtLeast(risk: RiskLevel, minimum: RiskLevel): boolean {
  return RISK_LEVELS.indexOf(risk) >= RISK_LEVELS.indexOf(minimum);
}

/** `count` distinct people from `group` must approve. */
export interface ApprovalRequirement {
  readonly group: string;
  readonly count: number;
}

/**
 * Who must approve a change. All requirements must be met; no requirements at all means the
 * change is authorised without a vote, which a configuration has to say explicitly.
 */
export interface ApprovalPolicy {
  readonly name: string;
  readonly requirements: readonly ApprovalRequirement[];
}

/**
 * One line of the policy configuration. Omitted criteria match everything. `environment` is a
 * name or a pattern where `*` stands for any run of characters (`prod-*`, `*`), matched against
 * the whole name, case-sensitively like every name in Gantry.
 */
export interface ApprovalPolicyRule {
  readonly environment?: string;
  readonly minimumRisk?: RiskLevel;
  /** Lets the emergency fast path ("one approval from the emergency group") be a rule too. */
  readonly changeTypes?: readonly ChangeType[];
  readonly policy: ApprovalPolicy;
}

/**
 * Rules are tried in order and the first match wins (ServiceNow's first-match risk conditions),
 * so the strictest rules go first. `otherwise` is required so that a change nobody wrote a rule
 * for still gets a deliberate answer rather than a silent auto-approval.
 */
export interface ApprovalPolicyConfig {
  readonly rules: readonly ApprovalPolicyRule[];
  readonly otherwise: ApprovalPolicy;
}

export interface ApprovalPolicyInput {
  readonly environment: string;
  readonly risk: RiskLevel;
  readonly changeType: ChangeType;
}

export function selectApprovalPolicy(config: ApprovalPolicyConfig, change: ApprovalPolicyInput): ApprovalPolicy {
  const rule = config.rules.find((candidate) => ruleMatches(candidate, change));
  return rule ? rule.policy : config.otherwise;
}

function ruleMatches(rule: ApprovalPolicyRule, change: ApprovalPolicyInput): boolean {
  if (rule.environment !== undefined && !environmentMatches(rule.environment, change.environment)) return false;
  if (rule.minimumRisk !== undefined && !isRiskAtLeast(change.risk, rule.minimumRisk)) return false;
  if (rule.changeTypes !== undefined && !rule.changeTypes.includes(change.changeType)) return false;
  return true;
}

/** `*` is the only special character; everything else, `.` and `?` included, is literal. */
export function environmentMatches(pattern: string, environment: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === environment;
  const first = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  if (environment.length < first.length + last.length) return false;
  if (!environment.startsWith(first) || !environment.endsWith(last)) return false;
  // Middle pieces must appear in order between the fixed prefix and suffix.
  let position = first.length;
  const end = environment.length - last.length;
  for (const piece of parts.slice(1, -1)) {
    const found = environment.indexOf(piece, position);
    if (found === -1 || found + piece.length > end) return false;
    position = found + piece.length;
  }
  return true;
}
