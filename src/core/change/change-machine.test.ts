import { describe, expect, it } from 'vitest';
import { RefusedTransition } from '../state-machine.js';
import { CHANGE_EVENTS, CHANGE_MACHINES, CHANGE_STATES, CHANGE_TYPES, transitionChange, type ChangeState, type ChangeType } from './change-machine.js';

/** Every type × state × event, with the expected outcome written out: a change to a table must change this test. */
const ALLOWED: Record<ChangeType, Record<string, ChangeState>> = {
  normal: {
    'new submit': 'assess',
    'new revise': 'new',
    'new cancel': 'cancelled',
    'assess requestApproval': 'authorize',
    'assess sendBack': 'new',
    'assess revise': 'assess',
    'assess cancel': 'cancelled',
    'authorize approve': 'scheduled',
    'authorize reject': 'rejected',
    'authorize sendBack': 'new',
    'authorize revise': 'authorize',
    'authorize cancel': 'cancelled',
    'scheduled revise': 'authorize',
    'scheduled start': 'implement',
    'scheduled cancel': 'cancelled',
    'implement finish': 'review',
    'review close': 'closed',
  },
  emergency: {
    'new submit': 'authorize',
    'new revise': 'new',
    'new cancel': 'cancelled',
    'authorize approve': 'scheduled',
    'authorize reject': 'rejected',
    'authorize sendBack': 'new',
    'authorize revise': 'authorize',
    'authorize cancel': 'cancelled',
    'scheduled revise': 'authorize',
    'scheduled start': 'implement',
    'scheduled cancel': 'cancelled',
    'implement finish': 'review',
    'review close': 'closed',
  },
  standard: {
    'new submit': 'scheduled',
    'new revise': 'new',
    'new cancel': 'cancelled',
    'scheduled revise': 'scheduled',
    'scheduled start': 'implement',
    'scheduled cancel': 'cancelled',
    'implement finish': 'review',
    'review close': 'closed',
  },
};

/** States reachable from `new` when the `avoided` state may not be entered. */
function reachable(type: ChangeType, avoided?: ChangeState): Set<ChangeState> {
  const seen = new Set<ChangeState>(['new']);
  const queue: ChangeState[] = ['new'];
  for (let state = queue.shift(); state !== undefined; state = queue.shift()) {
    for (const next of Object.values(CHANGE_MACHINES[type][state])) {
      if (next === avoided || seen.has(next)) continue;
      seen.add(next);
      queue.push(next);
    }
  }
  return seen;
}

for (const type of CHANGE_TYPES) {
  describe(`${type} change state machine`, () => {
    for (const state of CHANGE_STATES) {
      for (const event of CHANGE_EVENTS) {
        const expected = ALLOWED[type][`${state} ${event}`];
        it(`${state} --${event}--> ${expected ?? 'refused'}`, () => {
          if (expected) expect(transitionChange(type, state, event)).toBe(expected);
          else expect(() => transitionChange(type, state, event)).toThrow(RefusedTransition);
        });
      }
    }

    it('has no transition the test does not know', () => {
      const table = Object.entries(CHANGE_MACHINES[type]).flatMap(([state, events]) => Object.keys(events).map((event) => `${state} ${event}`));
      expect(table.sort()).toEqual(Object.keys(ALLOWED[type]).sort());
    });

    it('cannot reach closed without passing review', () => {
      expect(reachable(type).has('closed')).toBe(true);
      expect(reachable(type, 'review').has('closed')).toBe(false);
    });

    it('cannot start implementing without being scheduled', () => {
      expect(reachable(type, 'scheduled').has('implement')).toBe(false);
    });

    it('refuses edits once implementation has started', () => {
      for (const state of ['implement', 'review', 'closed', 'cancelled', 'rejected'] as const) {
        expect(() => transitionChange(type, state, 'revise')).toThrow(RefusedTransition);
      }
    });
  });
}

describe('paths per type', () => {
  it('standard skips assess and authorize', () => {
    expect(reachable('standard')).toEqual(new Set(['new', 'scheduled', 'implement', 'review', 'closed', 'cancelled']));
  });

  it('emergency skips assess but cannot be scheduled without authorisation', () => {
    expect(reachable('emergency').has('assess')).toBe(false);
    expect(reachable('emergency', 'authorize').has('scheduled')).toBe(false);
  });

  it('normal cannot be authorised without assessment', () => {
    expect(reachable('normal', 'assess').has('authorize')).toBe(false);
  });

  it('an edit after approval sends normal and emergency changes back to authorisation', () => {
    expect(transitionChange('normal', 'scheduled', 'revise')).toBe('authorize');
    expect(transitionChange('emergency', 'scheduled', 'revise')).toBe('authorize');
    expect(transitionChange('standard', 'scheduled', 'revise')).toBe('scheduled');
  });

  it('names the type, state and event when refusing', () => {
    expect(() => transitionChange('emergency', 'implement', 'cancel')).toThrow('emergency change: event "cancel" is not allowed in state "implement"');
  });
});
