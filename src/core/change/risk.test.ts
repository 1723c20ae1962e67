import { describe, expect, it } from 'vitest';
import { assessRisk, type RiskAssessment, type RiskFacts } from './risk.js';
import { DEFAULT_RISK_CONFIG, riskConfigSchema, type RiskFactorId } from './risk-config.js';

/** A change where no factor adds anything: each test changes one fact and looks at what moves. */
const quiet: RiskFacts = {
  environment: { name: 'dev', criticality: 'low' },
  changeType: 'normal',
  targets: { touched: 1, inEnvironment: 4 },
  release: { filesChanged: 0, variablesChanged: 0, hasMigrationHooks: false },
  recentDeployments: { count: 10, failedOrRolledBack: 0 },
  window: { maintenanceWindow: 'inside', hoursUntilFreeze: null, leadTimeHours: 48 },
  previousEnvironment: { name: 'ci', succeeded: true },
};

const withFacts = (change: Partial<RiskFacts>): RiskFacts => ({ ...quiet, ...change });
const factor = (assessment: RiskAssessment, id: RiskFactorId) => {
  const found = assessment.factors.find((item) => item.factor === id);
  if (found === undefined) throw new Error(`no factor ${id}`);
  return found;
};
/** The contribution of one factor, after checking that it is the only one that added anything. */
const onlyContribution = (facts: RiskFacts, id: RiskFactorId) => {
  const assessment = assessRisk(facts);
  const others = assessment.factors.filter((item) => item.factor !== id && item.contribution !== 0);
  expect(others).toEqual([]);
  expect(assessment.score).toBe(factor(assessment, id).contribution);
  return factor(assessment, id).contribution;
};

describe('assessRisk factors', () => {
  it('adds nothing for a quiet change, and still shows every factor', () => {
    const assessment = assessRisk(quiet);
    expect(assessment.score).toBe(0);
    expect(assessment.level).toBe('low');
    expect(assessment.factors).toHaveLength(Object.keys(DEFAULT_RISK_CONFIG.factors).length);
    expect(assessment.reasons[0]).toBe('Score 0: no factor adds risk.');
  });

  it('weighs environment criticality at 2 points per step above low', () => {
    const points = (criticality: RiskFacts['environment']['criticality']) =>
      onlyContribution(withFacts({ environment: { name: 'production', criticality } }), 'environmentCriticality');
    expect([points('low'), points('medium'), points('high'), points('critical')]).toEqual([0, 2, 4, 6]);
    expect(factor(assessRisk(withFacts({ environment: { name: 'production', criticality: 'critical' } })), 'environmentCriticality').value).toBe(
      'production is critical',
    );
  });

  it('counts the blast radius by share of the environment: a step at 50% and another at 100%', () => {
    const points = (touched: number, inEnvironment: number) => onlyContribution(withFacts({ targets: { touched, inEnvironment } }), 'blastRadius');
    expect([points(1, 3), points(1, 2), points(11, 12), points(12, 12)]).toEqual([0, 1, 1, 2]);
    expect(factor(assessRisk(withFacts({ targets: { touched: 2, inEnvironment: 3 } })), 'blastRadius').value).toBe('2 of 3 targets (66.7%)');
  });

  it('widens the blast radius by a step when the change reaches other applications through the inventory, naming them', () => {
    const reaching = withFacts({ targets: { touched: 1, inEnvironment: 3 }, impact: { applications: ['app:storefront', 'app:billing'] } });
    expect(factor(assessRisk(reaching), 'blastRadius')).toMatchObject({
      contribution: 1,
      value: '1 of 3 targets (33.3%); its impact reaches 2 other applications: app:storefront, app:billing',
    });
    expect(onlyContribution(withFacts({ targets: { touched: 1, inEnvironment: 3 }, impact: { applications: [] } }), 'blastRadius')).toBe(0);
  });

  it('never counts more than the whole environment when the environment count is stale, and an empty one is 0%', () => {
    expect(factor(assessRisk(withFacts({ targets: { touched: 5, inEnvironment: 3 } })), 'blastRadius')).toMatchObject({ contribution: 2, value: '5 of 3 targets (100%)' });
    expect(factor(assessRisk(withFacts({ targets: { touched: 0, inEnvironment: 0 } })), 'blastRadius').contribution).toBe(0);
  });

  it('adds a point for each of 50, 500 and 5000 files changed', () => {
    const points = (filesChanged: number) => onlyContribution(withFacts({ release: { ...quiet.release, filesChanged } }), 'filesChanged');
    expect([49, 50, 499, 500, 5000].map(points)).toEqual([0, 1, 1, 2, 3]);
    expect(factor(assessRisk(withFacts({ release: { ...quiet.release, filesChanged: 1 } })), 'filesChanged').value).toBe('1 file changed');
  });

  it('adds a point from the first configuration or variable change, and another from the fifth', () => {
    const points = (variablesChanged: number) => onlyContribution(withFacts({ release: { ...quiet.release, variablesChanged } }), 'variablesChanged');
    expect([0, 1, 4, 5].map(points)).toEqual([0, 1, 1, 2]);
  });

  it('adds 3 points when the release runs migration hooks', () => {
    const facts = withFacts({ release: { ...quiet.release, hasMigrationHooks: true } });
    expect(onlyContribution(facts, 'migrationHooks')).toBe(3);
    expect(factor(assessRisk(facts), 'migrationHooks').value).toBe('the release runs migration hooks');
  });

  it('grades the recent change failure rate at 15%, 30% and 50%, and counts no history as one step', () => {
    const points = (failedOrRolledBack: number, count: number) =>
      onlyContribution(withFacts({ recentDeployments: { count, failedOrRolledBack } }), 'changeFailureRate');
    expect([points(1, 10), points(3, 20), points(3, 10), points(1, 2), points(0, 0)]).toEqual([0, 1, 2, 3, 1]);
    expect(factor(assessRisk(withFacts({ recentDeployments: { count: 20, failedOrRolledBack: 3 } })), 'changeFailureRate').value).toBe(
      '3 of the last 20 deployments failed or were rolled back (15%)',
    );
  });

  it('adds 3 points outside the maintenance window, nothing inside one or when the environment has none', () => {
    const points = (maintenanceWindow: RiskFacts['window']['maintenanceWindow']) =>
      onlyContribution(withFacts({ window: { ...quiet.window, maintenanceWindow } }), 'maintenanceWindow');
    expect([points('outside'), points('inside'), points('none')]).toEqual([3, 0, 0]);
  });

  it('adds a point for a freeze within 72 hours of the planned end and another within 24 (inclusive)', () => {
    const points = (hoursUntilFreeze: number | null) => onlyContribution(withFacts({ window: { ...quiet.window, hoursUntilFreeze } }), 'freezeProximity');
    expect([points(null), points(72.5), points(72), points(24.5), points(24), points(0)]).toEqual([0, 0, 1, 1, 2, 2]);
    expect(factor(assessRisk(withFacts({ window: { ...quiet.window, hoursUntilFreeze: 12 } })), 'freezeProximity').value).toBe(
      'a freeze starts 12h after the planned end',
    );
  });

  it('adds a point for a lead time under 24 hours and another under 4 (exclusive)', () => {
    const points = (leadTimeHours: number) => onlyContribution(withFacts({ window: { ...quiet.window, leadTimeHours } }), 'leadTime');
    expect([24, 23.5, 4, 3.9, 0, -1].map(points)).toEqual([0, 1, 1, 2, 2, 2]);
    expect(factor(assessRisk(withFacts({ window: { ...quiet.window, leadTimeHours: -1 } })), 'leadTime').value).toBe('planned to start now');
  });

  it('adds 2 points for an emergency change and nothing for standard or normal ones', () => {
    const points = (changeType: RiskFacts['changeType']) => onlyContribution(withFacts({ changeType }), 'changeType');
    expect([points('standard'), points('normal'), points('emergency')]).toEqual([0, 0, 2]);
  });

  it('adds 3 points when the release has not succeeded in the previous lifecycle environment', () => {
    const points = (previousEnvironment: RiskFacts['previousEnvironment']) => onlyContribution(withFacts({ previousEnvironment }), 'previousEnvironment');
    expect([points({ name: 'staging', succeeded: false }), points({ name: 'staging', succeeded: true }), points(null)]).toEqual([3, 0, 0]);
    expect(factor(assessRisk(withFacts({ previousEnvironment: { name: 'staging', succeeded: false } })), 'previousEnvironment').value).toBe(
      'has not succeeded in staging',
    );
  });

  it('uses configured weights, and a weight of 0 switches a factor off', () => {
    const config = riskConfigSchema.parse({ factors: { migrationHooks: { weight: 1.5 }, environmentCriticality: { weight: 0 } } });
    const facts = withFacts({ environment: { name: 'production', criticality: 'critical' }, release: { ...quiet.release, hasMigrationHooks: true } });
    const assessment = assessRisk(facts, config);
    expect(factor(assessment, 'migrationHooks').contribution).toBe(1.5);
    expect(factor(assessment, 'environmentCriticality').contribution).toBe(0);
    expect(assessment.score).toBe(1.5);
  });
});

describe('assessRisk levels', () => {
  /** A quiet change whose score is exactly `points`, through a fractional migration-hook weight. */
  const scored = (points: number, rules: unknown[] = []) => {
    const config = riskConfigSchema.parse({ factors: { migrationHooks: { weight: points } }, rules });
    return assessRisk(withFacts({ release: { ...quiet.release, hasMigrationHooks: true } }), config);
  };

  it('starts each level at its threshold: moderate 6, high 10, very high 15', () => {
    const cases = [
      [5.99, 'low'],
      [6, 'moderate'],
      [9.99, 'moderate'],
      [10, 'high'],
      [14.99, 'high'],
      [15, 'very_high'],
    ] as const;
    for (const [points, level] of cases) expect(scored(points).level, `score ${points}`).toBe(level);
  });

  it('uses configured thresholds', () => {
    const config = riskConfigSchema.parse({ thresholds: { moderate: 1, high: 2, very_high: 3 } });
    expect(assessRisk(withFacts({ changeType: 'emergency' }), config).level).toBe('high');
  });

  it('says which threshold the score reached', () => {
    expect(scored(10).reasons).toContain('Score 10 reaches the high threshold (10), so the score says high.');
    expect(scored(2).reasons).toContain('Score 2 is below the moderate threshold (6), so the score says low.');
  });
});

describe('assessRisk rules', () => {
  const prodMigration = { name: 'prod db migration', when: { environment: ['production'], hasMigrationHooks: true }, level: 'very_high' };
  const production = withFacts({
    environment: { name: 'production', criticality: 'high' },
    targets: { touched: 8, inEnvironment: 8 },
    release: { filesChanged: 120, variablesChanged: 0, hasMigrationHooks: true },
  });

  it('lets a matching rule force a higher level than the score, and says so', () => {
    const config = riskConfigSchema.parse({ rules: [prodMigration] });
    const assessment = assessRisk(production, config);
    expect(assessment.score).toBe(10); // criticality 4 + blast radius 2 + files 1 + migration 3
    expect(assessment.level).toBe('very_high');
    expect(assessment.rule).toEqual({ name: 'prod db migration', level: 'very_high' });
    expect(assessment.reasons).toEqual([
      'Score 10 from environment criticality: production is high (+4); blast radius: 8 of 8 targets (100%) (+2); files changed since the live release: 120 files changed (+1); migration hooks: the release runs migration hooks (+3).',
      'Score 10 reaches the high threshold (10), so the score says high.',
      'Rule "prod db migration" matches and sets very high.',
      "The rule's very high is higher than the score's high, so the risk is very high.",
    ]);
  });

  it('keeps the score when it is higher than the matching rule', () => {
    const config = riskConfigSchema.parse({ rules: [{ ...prodMigration, level: 'moderate' }] });
    const assessment = assessRisk(production, config);
    expect(assessment.level).toBe('high');
    expect(assessment.rule).toEqual({ name: 'prod db migration', level: 'moderate' });
    expect(assessment.reasons.at(-1)).toBe("The score's high is higher than the rule's moderate, so the risk is high.");
  });

  it('uses the first matching rule only, in the configured order', () => {
    const config = riskConfigSchema.parse({
      rules: [{ name: 'any production change', when: { environment: ['production'] }, level: 'moderate' }, prodMigration],
    });
    const assessment = assessRisk(production, config);
    expect(assessment.rule?.name).toBe('any production change');
    expect(assessment.level).toBe('high');
  });

  it('needs every condition of a rule to hold', () => {
    const config = riskConfigSchema.parse({ rules: [prodMigration] });
    const staging = assessRisk({ ...production, environment: { name: 'staging', criticality: 'high' } }, config);
    expect(staging.rule).toBeUndefined();
    expect(staging.level).toBe('high');
    expect(staging.reasons.at(-1)).toBe('No rule matches, so the score decides.');
  });

  it('checks each kind of condition against the same facts the score uses', () => {
    const matches = (when: Record<string, unknown>, facts: RiskFacts = quiet) =>
      assessRisk(facts, riskConfigSchema.parse({ rules: [{ name: 'r', when, level: 'very_high' }] })).rule !== undefined;
    expect(matches({ criticality: ['low'] })).toBe(true);
    expect(matches({ changeType: ['emergency'] })).toBe(false);
    expect(matches({ maintenanceWindow: ['inside'] })).toBe(true);
    expect(matches({ succeededInPreviousEnvironment: true })).toBe(true);
    expect(matches({ succeededInPreviousEnvironment: false })).toBe(false);
    expect(matches({ succeededInPreviousEnvironment: false }, withFacts({ previousEnvironment: null }))).toBe(false);
    expect(matches({ targetsTouchedAtLeast: 1 })).toBe(true);
    expect(matches({ sharePercentAtLeast: 25 })).toBe(true);
    expect(matches({ sharePercentAtLeast: 26 })).toBe(false);
    expect(matches({ filesChangedAtLeast: 1 })).toBe(false);
    expect(matches({ variablesChangedAtLeast: 0 })).toBe(true);
    expect(matches({ changeFailurePercentAtLeast: 0 })).toBe(true);
    expect(matches({ changeFailurePercentAtLeast: 0 }, withFacts({ recentDeployments: { count: 0, failedOrRolledBack: 0 } }))).toBe(false);
    expect(matches({ leadTimeUnderHours: 48 })).toBe(false);
    expect(matches({ leadTimeUnderHours: 48.5 })).toBe(true);
    expect(matches({ freezeWithinHours: 1000 })).toBe(false);
    expect(matches({ freezeWithinHours: 24 }, withFacts({ window: { ...quiet.window, hoursUntilFreeze: 24 } }))).toBe(true);
  });
});

describe('assessRisk explanation', () => {
  const everything: RiskFacts = {
    environment: { name: 'production', criticality: 'critical' },
    changeType: 'emergency',
    targets: { touched: 20, inEnvironment: 20 },
    release: { filesChanged: 600, variablesChanged: 2, hasMigrationHooks: true },
    recentDeployments: { count: 10, failedOrRolledBack: 4 },
    window: { maintenanceWindow: 'outside', hoursUntilFreeze: 10, leadTimeHours: 1 },
    previousEnvironment: { name: 'staging', succeeded: false },
  };

  it('shows every factor that added points with its label, what was seen and its contribution, and they sum to the score', () => {
    const assessment = assessRisk(everything);
    const adding = assessment.factors.filter((item) => item.contribution !== 0);
    expect(adding.map((item) => item.factor)).toEqual(Object.keys(DEFAULT_RISK_CONFIG.factors));
    for (const item of adding) {
      expect(item.label).not.toBe('');
      expect(item.value).not.toBe('');
      expect(assessment.reasons[0]).toContain(`${item.value} (+${item.contribution})`);
    }
    expect(assessment.score).toBe(adding.reduce((sum, item) => sum + item.contribution, 0));
    // 6 + 2 + 2 + 1 + 3 + 2 + 3 + 2 + 2 + 2 + 3
    expect(assessment.score).toBe(28);
    expect(assessment.level).toBe('very_high');
    expect(assessment.rule).toBeUndefined();
  });

  it('places routine deployments where the defaults intend: staging low, production moderate, production with migrations high', () => {
    const routine = withFacts({
      targets: { touched: 6, inEnvironment: 6 },
      release: { filesChanged: 80, variablesChanged: 0, hasMigrationHooks: false },
    });
    const staging = { ...routine, environment: { name: 'staging', criticality: 'medium' as const }, previousEnvironment: null };
    const production = { ...routine, environment: { name: 'production', criticality: 'high' as const }, previousEnvironment: { name: 'staging', succeeded: true } };
    expect(assessRisk(staging).level).toBe('low');
    expect(assessRisk(production).level).toBe('moderate');
    expect(assessRisk({ ...production, release: { ...production.release, hasMigrationHooks: true } }).level).toBe('high');
  });
});
