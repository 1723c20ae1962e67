/**
 * A state machine as data: state × event → next state. Anything not in the table is refused.
 * Every state string in Gantry is produced by one of these tables and nowhere else.
 */
export type TransitionTable<S extends string, E extends string> = Readonly<Record<S, Readonly<Partial<Record<E, S>>>>>;

export function nextState<S extends string, E extends string>(table: TransitionTable<S, E>, state: S, event: E): S | undefined {
  return table[state][event];
}

export class RefusedTransition extends Error {
  constructor(
    readonly machine: string,
    readonly state: string,
    readonly event: string,
  ) {
    super(`${machine}: event "${event}" is not allowed in state "${state}"`);
    this.name = 'RefusedTransition';
  }
}

export function requireTransition<S extends string, E extends string>(
  machine: string,
  table: TransitionTable<S, E>,
  state: S,
  event: E,
): S {
  const next = nextState(table, state, event);
  if (next === undefined) throw new RefusedTransition(machine, state, event);
  return next;
}
