/**
 * Whether a change takes an action in its state, by the server's own change state machines: for
 * clients that offer only the actions that can succeed (the web UI).
 */
import { CHANGE_MACHINES, type ChangeEvent, type ChangeState, type ChangeType } from '../core/change/change-machine.js';

export type { ChangeEvent } from '../core/change/change-machine.js';

export function changeTakes(change: { readonly type: ChangeType; readonly state: ChangeState }, event: ChangeEvent): boolean {
  return CHANGE_MACHINES[change.type][change.state][event] !== undefined;
}
