import { describe, expect, it } from 'vitest';
import { assessStandardEligibility, type DeploymentOutcome } from './standard-eligibility.js';

const ok: DeploymentOutcome = { state: 'succeeded', kind: 'deploy' };
const failed = (id: string): DeploymentOutcome => ({ id, state: 'failed', kind: 'deploy' });
const cancelled: DeploymentOutcome = { state: 'cancelled', kind: 'deploy' };

describe('assessStandardEligibility', () => {
  it('is not eligible without history', () => {
    expect(assessStandardEligibility([])).toEqual({ eligible: false, streak: 0, reason: 'no successful deployment yet; 3 needed' });
  });

  it('becomes eligible after three consecutive successes by default', () => {
    expect(assessStandardEligibility([ok, ok])).toEqual({ eligible: false, streak: 2, reason: 'only 2 consecutive successful deployments; 3 needed' });
    expect(assessStandardEligibility([ok, ok, ok])).toEqual({ eligible: true, streak: 3, reason: '3 consecutive successful deployments without a rollback (3 needed)' });
  });

  it('takes the required streak from configuration', () => {
    expect(assessStandardEligibility([ok, ok, ok], 5).eligible).toBe(false);
    expect(assessStandardEligibility([ok], 1).eligible).toBe(true);
    expect(() => assessStandardEligibility([ok], 0)).toThrow(RangeError);
  });

  it('is demoted by a single failure, whatever came before', () => {
    const result = assessStandardEligibility([failed('d-9'), ok, ok, ok, ok]);
    expect(result).toEqual({ eligible: false, streak: 0, reason: 'not eligible: the latest deployment d-9 failed; 3 consecutive successful deployments needed' });
  });

  it('counts only the successes since the last bad outcome', () => {
    const result = assessStandardEligibility([ok, ok, failed('d-9'), ok, ok, ok]);
    expect(result).toEqual({ eligible: false, streak: 2, reason: 'only 2 consecutive successful deployments since deployment d-9 failed; 3 needed' });
  });

  it('treats an automatic rollback and a failed rollback as failures', () => {
    expect(assessStandardEligibility([{ state: 'rolled_back', kind: 'deploy' }, ok, ok, ok])).toMatchObject({ eligible: false, streak: 0, reason: expect.stringContaining('deployment was rolled back') });
    expect(assessStandardEligibility([{ state: 'rollback_failed', kind: 'deploy' }, ok, ok, ok])).toMatchObject({ eligible: false, streak: 0, reason: expect.stringContaining('could not be rolled back') });
  });

  it('treats a rollback by hand as a failure, even when the rollback itself succeeded', () => {
    const result = assessStandardEligibility([ok, { id: 'd-7', state: 'succeeded', kind: 'rollback' }, ok, ok, ok]);
    expect(result).toEqual({ eligible: false, streak: 1, reason: 'only 1 consecutive successful deployment since deployment d-7 rolled back to an earlier release; 3 needed' });
  });

  it('skips cancelled deployments: they neither count nor break the streak', () => {
    expect(assessStandardEligibility([ok, cancelled, ok, cancelled, ok])).toMatchObject({ eligible: true, streak: 3 });
    expect(assessStandardEligibility([cancelled, cancelled, cancelled])).toMatchObject({ eligible: false, streak: 0 });
  });
});
