import { describe, expect, it } from 'vitest';
import { tierFromName, tierOf } from './environment-tier.js';

describe('environment tiers', () => {
  it('takes the declared tier, then protected as production, then the name', () => {
    expect(tierOf({ name: 'production', tier: 'other' })).toBe('other');
    expect(tierOf({ name: 'eu-west', protected: true })).toBe('production');
    expect(tierOf({ name: 'eu-west', protected: false })).toBe('other');
    expect(tierOf({ name: 'prod-eu' })).toBe('production');
  });

  it('guesses from the words of the name the way GitLab does', () => {
    const guesses = Object.fromEntries(['production', 'prod2', 'live', 'staging', 'stage', 'pre-production', 'uat', 'model', 'test', 'qa', 'sandbox', 'dev', 'review-42', 'demo', 'protected'].map((name) => [name, tierFromName(name)]));
    expect(guesses).toEqual({
      production: 'production',
      prod2: 'production',
      live: 'production',
      staging: 'staging',
      stage: 'staging',
      // Staging is checked before production, as GitLab does.
      'pre-production': 'staging',
      uat: 'staging',
      model: 'staging',
      test: 'testing',
      qa: 'testing',
      sandbox: 'testing',
      dev: 'development',
      'review-42': 'development',
      demo: 'other',
      // Whole words only: "protected" is not "prod".
      protected: 'other',
    });
  });
});
