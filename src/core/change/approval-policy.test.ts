import { describe, expect, it } from 'vitest';
import { environmentMatches, isRiskAtLeast, selectApprovalPolicy, type ApprovalPolicyConfig } from './approval-policy.js';

const emergency = { name: 'emergency', requirements: [{ group: 'emergency', count: 1 }] };
const productionHigh = { name: 'production-high', requirements: [{ group: 'cab', count: 2 }, { group: 'service-owners', count: 1 }] };
const production = { name: 'production', requirements: [{ group: 'service-owners', count: 1 }] };
const preview = { name: 'preview', requirements: [] };
const otherwise = { name: 'default', requirements: [{ group: 'change-managers', count: 1 }] };

const config: ApprovalPolicyConfig = {
  rules: [
    { changeTypes: ['emergency'], policy: emergency },
    { environment: 'production', minimumRisk: 'high', policy: productionHigh },
    { environment: 'production', policy: production },
    { environment: 'preview-*', policy: preview },
  ],
  otherwise,
};

describe('selectApprovalPolicy', () => {
  it('takes the first rule that matches environment, risk and type', () => {
    expect(selectApprovalPolicy(config, { environment: 'production', risk: 'very_high', changeType: 'normal' })).toBe(productionHigh);
    expect(selectApprovalPolicy(config, { environment: 'production', risk: 'high', changeType: 'normal' })).toBe(productionHigh);
    expect(selectApprovalPolicy(config, { environment: 'production', risk: 'moderate', changeType: 'normal' })).toBe(production);
    expect(selectApprovalPolicy(config, { environment: 'production', risk: 'very_high', changeType: 'emergency' })).toBe(emergency);
  });

  it('matches environment patterns and falls back to the configured default', () => {
    expect(selectApprovalPolicy(config, { environment: 'preview-42', risk: 'very_high', changeType: 'normal' })).toBe(preview);
    expect(selectApprovalPolicy(config, { environment: 'staging', risk: 'low', changeType: 'normal' })).toBe(otherwise);
    expect(selectApprovalPolicy(config, { environment: 'Production', risk: 'high', changeType: 'normal' })).toBe(otherwise);
  });
});

describe('isRiskAtLeast', () => {
  it('orders low < moderate < high < very_high', () => {
    expect(isRiskAtLeast('moderate', 'low')).toBe(true);
    expect(isRiskAtLeast('high', 'high')).toBe(true);
    expect(isRiskAtLeast('high', 'very_high')).toBe(false);
    expect(isRiskAtLeast('low', 'moderate')).toBe(false);
  });
});

describe('environmentMatches', () => {
  it.each([
    ['production', 'production', true],
    ['production', 'production-eu', false],
    ['*', 'anything', true],
    ['prod-*', 'prod-eu', true],
    ['prod-*', 'prod-', true],
    ['prod-*', 'staging-prod-eu', false],
    ['*-eu', 'prod-eu', true],
    ['*-eu', 'prod-us', false],
    ['prod-*-eu', 'prod-web-eu', true],
    ['prod-*-eu', 'prod-eu', false],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'acb', false],
    ['prod.eu', 'prodxeu', false],
  ])('%s matches %s: %s', (pattern, environment, expected) => {
    expect(environmentMatches(pattern, environment)).toBe(expected);
  });
});
