import type { DeploymentState } from '../deployment/deployment-machine.js';
import type { Strategy } from '../manifest/schema.js';
import type { DeploymentKind } from '../model.js';

/**
 * A standard change is pre-authorised for one template: the same app, environment and kind of
 * strategy. Nobody maintains a catalogue by hand: the template earns the right from its own
 * history and loses it at the first bad outcome (research/itsm-anchors.md §4.4).
 */
export interface StandardChangeTemplate {
  readonly app: string;
  readonly environment: string;
  readonly strategy: Strategy['type'];
}

/** How a past deployment of the template ended. */
export interface DeploymentOutcome {
  readonly id?: string;
  readonly state: Extract<DeploymentState, 'succeeded' | 'failed' | 'rolled_back' | 'rollback_failed' | 'cancelled'>;
  readonly kind: DeploymentKind;
}

export interface StandardEligibility {
  readonly eligible: boolean;
  /** Successful deployments since the last one that broke the streak (or since the first). */
  readonly streak: number;
  readonly reason: string;
}

export const DEFAULT_REQUIRED_STREAK = 3;

/**
 * Whether the template may be used as a standard change, from its deployments newest first.
 * - A succeeded deployment adds one to the streak.
 * - A failed, rolled-back or rollback-failed deployment ends it, and so does any rollback
 *   deployment (`gantry rollback`): someone undid the release by hand, which is a failure too.
 *   One bad outcome is enough to demote; N new successes are needed to earn it back.
 * - A cancelled deployment is skipped: it neither counts nor breaks. A cancel stops a rollout
 *   before it was judged (a wrong version, a closing window); a rollout that went wrong ends
 *   failed or rolled back instead. Counting it as a success would let unfinished work earn
 *   pre-approval; counting it as a failure would teach people not to stop a rollout.
 */
export function assessStandardEligibility(outcomes: readonly DeploymentOutcome[], requiredStreak: number = DEFAULT_REQUIRED_STREAK): StandardEligibility {
  if (!Number.isInteger(requiredStreak) || requiredStreak < 1) throw new RangeError(`requiredStreak must be a positive integer, got ${requiredStreak}`);
  let streak = 0;
  let breaker: DeploymentOutcome | undefined;
  for (const outcome of outcomes) {
    if (outcome.state === 'cancelled' && outcome.kind === 'deploy') continue;
    if (outcome.state === 'succeeded' && outcome.kind === 'deploy') {
      streak += 1;
      continue;
    }
    breaker = outcome;
    break;
  }
  const eligible = streak >= requiredStreak;
  return { eligible, streak, reason: explain(streak, requiredStreak, breaker) };
}

function explain(streak: number, required: number, breaker: DeploymentOutcome | undefined): string {
  const successes = `${streak} consecutive successful deployment${streak === 1 ? '' : 's'}`;
  if (streak >= required) return `${successes} without a rollback (${required} needed)`;
  if (breaker === undefined) return `${streak === 0 ? 'no successful deployment yet' : `only ${successes}`}; ${required} needed`;
  const what = `${breaker.id === undefined ? 'deployment' : `deployment ${breaker.id}`} ${badOutcome(breaker)}`;
  if (streak === 0) return `not eligible: the latest ${what}; ${required} consecutive successful deployments needed`;
  return `only ${successes} since ${what}; ${required} needed`;
}

function badOutcome(outcome: DeploymentOutcome): string {
  if (outcome.kind === 'rollback') return 'rolled back to an earlier release';
  return { succeeded: 'succeeded', cancelled: 'was cancelled', failed: 'failed', rolled_back: 'was rolled back', rollback_failed: 'failed and could not be rolled back' }[outcome.state];
}
