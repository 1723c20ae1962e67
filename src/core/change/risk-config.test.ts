import { describe, expect, it } from 'vitest';
import { DEFAULT_RISK_CONFIG, riskConfigSchema } from './risk-config.js';

describe('riskConfigSchema', () => {
  it('makes a complete configuration from nothing, with the documented defaults', () => {
    expect(riskConfigSchema.parse({})).toEqual(DEFAULT_RISK_CONFIG);
    expect(DEFAULT_RISK_CONFIG.thresholds).toEqual({ moderate: 6, high: 10, very_high: 15 });
    expect(DEFAULT_RISK_CONFIG.factors.migrationHooks.weight).toBe(3);
    expect(DEFAULT_RISK_CONFIG.rules).toEqual([]);
  });

  it('keeps the defaults of everything a setting does not name', () => {
    const config = riskConfigSchema.parse({ factors: { blastRadius: { weight: 2 } }, thresholds: { moderate: 4 } });
    expect(config.factors.blastRadius).toEqual({ weight: 2, sharePercentAtLeast: [50, 100] });
    expect(config.factors.leadTime).toEqual(DEFAULT_RISK_CONFIG.factors.leadTime);
    expect(config.thresholds).toEqual({ moderate: 4, high: 10, very_high: 15 });
  });

  it('freezes the defaults, since every assessment shares them', () => {
    expect(Object.isFrozen(DEFAULT_RISK_CONFIG.factors.filesChanged.atLeast)).toBe(true);
  });

  it('refuses thresholds that do not increase', () => {
    const result = riskConfigSchema.safeParse({ thresholds: { moderate: 10, high: 10 } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('thresholds must increase: moderate < high < very_high');
  });

  it('refuses negative weights, unknown factors and misspelt keys', () => {
    expect(riskConfigSchema.safeParse({ factors: { migrationHooks: { weight: -1 } } }).success).toBe(false);
    expect(riskConfigSchema.safeParse({ factors: { moonPhase: { weight: 1 } } }).success).toBe(false);
    expect(riskConfigSchema.safeParse({ factors: { leadTime: { underHour: [4] } } }).success).toBe(false);
  });

  it('refuses a band limit given twice', () => {
    expect(riskConfigSchema.safeParse({ factors: { leadTime: { underHours: [4, 4] } } }).success).toBe(false);
  });

  it('refuses a rule with no condition, an unknown condition, an unknown level, or a name used twice', () => {
    const rule = { name: 'prod db migration', when: { environment: ['production'], hasMigrationHooks: true }, level: 'very_high' };
    expect(riskConfigSchema.safeParse({ rules: [rule] }).success).toBe(true);
    expect(riskConfigSchema.safeParse({ rules: [{ ...rule, when: {} }] }).error?.issues[0]?.message).toBe('a rule needs at least one condition');
    expect(riskConfigSchema.safeParse({ rules: [{ ...rule, when: { phaseOfMoon: 'full' } }] }).success).toBe(false);
    expect(riskConfigSchema.safeParse({ rules: [{ ...rule, level: 'extreme' }] }).success).toBe(false);
    expect(riskConfigSchema.safeParse({ rules: [rule, rule] }).error?.issues[0]?.message).toBe('rule names must be unique');
  });
});
