import { z } from 'zod';
import { CHANGE_TYPES } from './change-machine.js';

/**
 * How change risk is scored, as an organisation configures it (ServiceNow's composition, see
 * research/itsm-anchors.md §2.1): each factor grades what Gantry saw into steps, a weight turns
 * steps into points, the points add up to a score, thresholds turn the score into a level, and
 * ordered rules can force a level for the hard cases. The higher of rule and score wins.
 *
 * Every key has a default, so `{}` is a complete configuration and settings only name what they
 * change. The defaults are calibrated so that a routine deployment to staging is low, a routine
 * deployment to production is moderate, and production plus one serious aggravation (migration
 * hooks, outside its maintenance window, not proven in the previous environment) is high.
 */

/** Ordered from least to most risky; the order is what "the higher wins" compares. */
export const RISK_LEVELS = ['low', 'moderate', 'high', 'very_high'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

/** How much an environment matters; each step up adds one step of its factor. */
export const ENVIRONMENT_CRITICALITIES = ['low', 'medium', 'high', 'critical'] as const;
export type EnvironmentCriticality = (typeof ENVIRONMENT_CRITICALITIES)[number];

/** Where the planned window sits: `none` when the environment defines no maintenance window. */
export const MAINTENANCE_WINDOW_POSITIONS = ['inside', 'outside', 'none'] as const;
export type MaintenanceWindowPosition = (typeof MAINTENANCE_WINDOW_POSITIONS)[number];

/** Points per step of a factor; 0 switches the factor off. */
const weight = (points: number) => z.number().min(0).max(100).default(points);

/** Band limits: one step per limit passed. Duplicates would count a limit twice, so they are refused. */
const limits = (max: number, defaults: number[]) =>
  z
    .array(z.number().min(0).max(max))
    .max(10)
    .refine((values) => new Set(values).size === values.length, 'limits must be different from each other')
    .default(defaults);

const percent = z.number().min(0).max(100);
const count = z.number().int().min(0);
const hours = z.number().min(0);

const factorsSchema = z
  .object({
    /** Steps: low 0, medium 1, high 2, critical 3. Weighted 2 because where a change lands matters most. */
    environmentCriticality: z.object({ weight: weight(2) }).strict().prefault({}),
    /**
     * Share of the environment's targets touched, one step per limit reached. A whole-environment
     * deployment (the usual case) is 2 steps; a canary or targeted fix touching under half is 0.
     */
    blastRadius: z.object({ weight: weight(1), sharePercentAtLeast: limits(100, [50, 100]) }).strict().prefault({}),
    /**
     * Files that differ from the live release, one step per limit reached. The limits are wide
     * because a release artifact includes its dependencies: a lock-file bump changes hundreds.
     */
    filesChanged: z.object({ weight: weight(1), atLeast: limits(Number.MAX_SAFE_INTEGER, [50, 500, 5000]) }).strict().prefault({}),
    /** Configuration and variable changes: the first one is a step, since config changes cause many incidents. */
    variablesChanged: z.object({ weight: weight(1), atLeast: limits(Number.MAX_SAFE_INTEGER, [1, 5]) }).strict().prefault({}),
    /** One step when migration hooks run: switching the release back does not undo a migration. */
    migrationHooks: z.object({ weight: weight(3) }).strict().prefault({}),
    /**
     * Failed or rolled-back share of the app's recent deployments, one step per limit reached
     * (15% is the edge of DORA's better performers). An app with no history yet gets
     * `stepsWithoutHistory`: nothing is known about it, which is not the same as safe.
     */
    changeFailureRate: z
      .object({ weight: weight(1), percentAtLeast: limits(100, [15, 30, 50]), stepsWithoutHistory: z.number().int().min(0).max(10).default(1) })
      .strict()
      .prefault({}),
    /** One step when the change is planned outside the environment's maintenance window. */
    maintenanceWindow: z.object({ weight: weight(3) }).strict().prefault({}),
    /** A freeze soon after the change leaves little time to fix it: one step per limit it starts within. */
    freezeProximity: z.object({ weight: weight(1), withinHours: limits(10_000, [72, 24]) }).strict().prefault({}),
    /** Short notice leaves little time to review and prepare: one step per limit the lead time is under. */
    leadTime: z.object({ weight: weight(1), underHours: limits(10_000, [24, 4]) }).strict().prefault({}),
    /** One step for an emergency change (less review, usually less preparation); standard and normal add nothing. */
    changeType: z.object({ weight: weight(2) }).strict().prefault({}),
    /** One step when the release has not succeeded in the previous environment of the lifecycle: it is unproven. */
    previousEnvironment: z.object({ weight: weight(3) }).strict().prefault({}),
  })
  .strict()
  .prefault({});

/**
 * The score a level starts at ("at least", inclusive); below `moderate` the risk is low.
 * Defaults: routine staging ≈ 4–5 (low), routine production ≈ 7–9 (moderate), production with
 * one serious aggravation ≥ 10 (high), several together ≥ 15 (very high).
 */
const thresholdsSchema = z
  .object({ moderate: z.number().min(0).default(6), high: z.number().min(0).default(10), very_high: z.number().min(0).default(15) })
  .strict()
  .refine((t) => t.moderate < t.high && t.high < t.very_high, 'thresholds must increase: moderate < high < very_high')
  .prefault({});

/**
 * What a rule looks at: the same facts the score uses. Every condition given must hold; a rule
 * with no condition would match every change, which is what thresholds are for, so it is refused.
 * "AtLeast" is inclusive, "Under" exclusive, "Within" inclusive.
 */
const ruleConditionSchema = z
  .object({
    environment: z.array(z.string().min(1)).min(1).optional(),
    criticality: z.array(z.enum(ENVIRONMENT_CRITICALITIES)).min(1).optional(),
    changeType: z.array(z.enum(CHANGE_TYPES)).min(1).optional(),
    hasMigrationHooks: z.boolean().optional(),
    maintenanceWindow: z.array(z.enum(MAINTENANCE_WINDOW_POSITIONS)).min(1).optional(),
    /** Matches only when there is a previous environment in the lifecycle. */
    succeededInPreviousEnvironment: z.boolean().optional(),
    targetsTouchedAtLeast: count.optional(),
    sharePercentAtLeast: percent.optional(),
    filesChangedAtLeast: count.optional(),
    variablesChangedAtLeast: count.optional(),
    changeFailurePercentAtLeast: percent.optional(),
    leadTimeUnderHours: hours.optional(),
    /** Matches only when a freeze is ahead. */
    freezeWithinHours: hours.optional(),
  })
  .strict()
  .refine((when) => Object.values(when).some((value) => value !== undefined), 'a rule needs at least one condition');

const ruleSchema = z
  .object({ name: z.string().trim().min(1).max(100), when: ruleConditionSchema, level: z.enum(RISK_LEVELS) })
  .strict();

export const riskConfigSchema = z
  .object({
    factors: factorsSchema,
    thresholds: thresholdsSchema,
    /**
     * Checked in order; the first that matches sets the rule's level (ServiceNow risk conditions).
     * None by default: rules are an organisation's own hard cases, the score covers the general ones.
     */
    rules: z
      .array(ruleSchema)
      .max(100)
      .refine((rules) => new Set(rules.map((rule) => rule.name)).size === rules.length, 'rule names must be unique')
      .default([]),
  })
  .strict();

export type RiskConfig = z.output<typeof riskConfigSchema>;
export type RiskRule = RiskConfig['rules'][number];
export type RiskRuleCondition = RiskRule['when'];
export type RiskFactorId = keyof RiskConfig['factors'];

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

/** The configuration when settings say nothing; frozen, since every assessment shares it. */
export const DEFAULT_RISK_CONFIG: RiskConfig = deepFreeze(riskConfigSchema.parse({}));
