import { describe, expect, it } from 'vitest';
import { RefusedTransition } from '../state-machine.js';
import { recordManualCi, type ManualCiInput } from './configuration-item.js';
import { CI_LIFECYCLE_MACHINE, CI_LIFECYCLES, enterLifecycle } from './lifecycle.js';

/** Every state × wanted state, written out: a change to the table must change this test. */
const ALLOWED: Record<string, string> = {
  'ordered in_use': 'in_use',
  'ordered retired': 'retired',
  'in_use maintenance': 'maintenance',
  'in_use retired': 'retired',
  'maintenance in_use': 'in_use',
  'maintenance retired': 'retired',
};

describe('configuration item lifecycle', () => {
  for (const state of CI_LIFECYCLES) {
    for (const wanted of CI_LIFECYCLES) {
      const expected = state === wanted ? state : ALLOWED[`${state} ${wanted}`];
      it(`${state} → ${wanted}: ${expected ?? 'refused'}`, () => {
        if (expected) expect(enterLifecycle(state, wanted)).toBe(expected);
        else expect(() => enterLifecycle(state, wanted)).toThrow(RefusedTransition);
      });
    }
  }
  it('has no transition the test does not know', () => {
    const table = Object.entries(CI_LIFECYCLE_MACHINE).flatMap(([state, events]) => Object.keys(events).map((event) => `${state} ${event}`));
    expect(table.sort()).toEqual(Object.keys(ALLOWED).sort());
  });

  const input = (lifecycle: ManualCiInput['lifecycle']): ManualCiInput => ({
    name: 'orders-db',
    class: 'database',
    owner: 'dba',
    lifecycle,
    serial: null,
    model: null,
    location: null,
    purchaseDate: null,
    warrantyUntil: null,
    costCentre: null,
    description: null,
  });

  it('stamps the date each state is entered, and keeps it while the state stays', () => {
    const ordered = recordManualCi(undefined, input('ordered'), '2026-01-01T00:00:00.000Z').ci;
    expect(ordered.lifecycleDates).toEqual({ ordered: '2026-01-01T00:00:00.000Z' });
    const inUse = recordManualCi(ordered, input('in_use'), '2026-02-01T00:00:00.000Z');
    expect(inUse.ci.lifecycleDates).toEqual({ ordered: '2026-01-01T00:00:00.000Z', in_use: '2026-02-01T00:00:00.000Z' });
    const again = recordManualCi(inUse.ci, input('in_use'), '2026-03-01T00:00:00.000Z');
    expect(again).toMatchObject({ changed: false, ci: { updatedAt: '2026-02-01T00:00:00.000Z' } });
    const retired = recordManualCi(inUse.ci, input('retired'), '2026-04-01T00:00:00.000Z').ci;
    expect(() => recordManualCi(retired, input('in_use'), '2026-05-01T00:00:00.000Z')).toThrow('lifecycle: orders-db is retired and cannot become in_use; from retired it can only become nothing (it is final)');
    expect(() => recordManualCi(ordered, input('maintenance'), '2026-05-01T00:00:00.000Z')).toThrow('from ordered it can only become in_use or retired');
  });
});
