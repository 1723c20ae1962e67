import { requireTransition, type TransitionTable } from '../state-machine.js';

/**
 * A manual CI's lifecycle: ordered, in use, in maintenance (and back), retired. The event is the
 * state asked for, so the table reads "from here, these states may be entered". An order can be
 * cancelled (ordered → retired) and a CI can be retired straight from use; retired is final.
 */
export const CI_LIFECYCLES = ['ordered', 'in_use', 'maintenance', 'retired'] as const;
export type CiLifecycle = (typeof CI_LIFECYCLES)[number];

export const CI_LIFECYCLE_MACHINE: TransitionTable<CiLifecycle, CiLifecycle> = {
  ordered: { in_use: 'in_use', retired: 'retired' },
  in_use: { maintenance: 'maintenance', retired: 'retired' },
  maintenance: { in_use: 'in_use', retired: 'retired' },
  retired: {},
};

/** The lifecycle state after asking for `wanted`; staying where it is is always allowed. Throws RefusedTransition. */
export function enterLifecycle(state: CiLifecycle, wanted: CiLifecycle): CiLifecycle {
  return state === wanted ? state : requireTransition('configuration item lifecycle', CI_LIFECYCLE_MACHINE, state, wanted);
}
