import { describe, expect, it } from 'vitest';
import { GantryError } from '../errors.js';
import { checkControlRequest, CONTROL_REQUESTS } from './control.js';
import { DEPLOYMENT_STATES } from './deployment-machine.js';

/** Every state × request, written out: a change to the rules must change this table. */
const EXPECTED: Record<string, string> = {
  'queued promote': 'DEPLOYMENT_NOT_PAUSED',
  'queued pause': 'store',
  'queued resume': 'DEPLOYMENT_NOT_PAUSED',
  'queued abort': 'cancel-queued',
  'running promote': 'DEPLOYMENT_NOT_PAUSED',
  'running pause': 'store',
  'running resume': 'DEPLOYMENT_NOT_PAUSED',
  'running abort': 'store',
  'paused promote': 'store',
  'paused pause': 'store',
  'paused resume': 'store',
  'paused abort': 'store',
};

describe('checkControlRequest', () => {
  for (const state of DEPLOYMENT_STATES) {
    for (const request of CONTROL_REQUESTS) {
      const expected = EXPECTED[`${state} ${request}`] ?? (state === 'rolling_back' ? 'DEPLOYMENT_ROLLING_BACK' : 'DEPLOYMENT_FINISHED');
      it(`${request} while ${state}: ${expected}`, () => {
        let outcome: string;
        try {
          outcome = checkControlRequest('d-1', state, request);
        } catch (error) {
          expect(error).toBeInstanceOf(GantryError);
          expect((error as GantryError).message).toContain('d-1');
          outcome = (error as GantryError).code;
        }
        expect(outcome).toBe(expected);
      });
    }
  }
});
