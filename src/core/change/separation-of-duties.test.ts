import { describe, expect, it } from 'vitest';
import { GantryError } from '../errors.js';
import { checkApprover } from './separation-of-duties.js';

function refusal(run: () => void): GantryError {
  try {
    run();
  } catch (error) {
    if (error instanceof GantryError) return error;
    throw error;
  }
  throw new Error('expected SELF_APPROVAL_FORBIDDEN');
}

describe('checkApprover', () => {
  it('refuses the requester, naming the role', () => {
    const error = refusal(() => checkApprover({ by: 'alice', groups: ['cab'] }, { requester: 'alice', deployer: 'bob' }));
    expect(error.code).toBe('SELF_APPROVAL_FORBIDDEN');
    expect(error.kind).toBe('forbidden');
    expect(error.message).toMatch(/^alice requested this change/);
    expect(error.details).toMatchObject({ role: 'requester' });
  });

  it('refuses the deployer, naming the role', () => {
    const error = refusal(() => checkApprover({ by: 'bob', groups: ['cab'] }, { requester: 'alice', deployer: 'bob' }));
    expect(error.message).toMatch(/^bob is deploying this change/);
    expect(error.details).toMatchObject({ role: 'deployer' });
  });

  it('does not exempt an admin approving their own change', () => {
    const error = refusal(() => checkApprover({ by: 'root', groups: ['admin', 'cab'] }, { requester: 'root' }));
    expect(error.code).toBe('SELF_APPROVAL_FORBIDDEN');
    expect(error.message).toContain('admins included');
  });

  it('lets anyone else decide, also when the deployer is not known yet', () => {
    expect(() => checkApprover({ by: 'carol', groups: ['cab'] }, { requester: 'alice', deployer: 'bob' })).not.toThrow();
    expect(() => checkApprover({ by: 'carol', groups: [] }, { requester: 'alice', deployer: null })).not.toThrow();
  });
});
