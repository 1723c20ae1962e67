/**
 * Whether a drift is authorised: something Gantry knows of was changing the application there
 * when the drift was seen — a deployment of it to that environment under way, or a change
 * request for it being implemented or inside its approved window. Otherwise it is an
 * **unauthorised change** (someone edited the machine by hand).
 */

export interface ActiveDeployment {
  readonly id: string;
  /** running, paused or rolling_back. */
  readonly state: string;
}

export interface ChangeInScope {
  readonly id: string;
  readonly state: string;
  /** The planned window, when it has one. */
  readonly window: { readonly start: string; readonly end: string } | null;
  /** The targets the change's plan covers. */
  readonly targets: readonly string[];
}

export interface DriftExplanation {
  readonly unauthorised: boolean;
  readonly explanation: string;
}

/** Approved changes not yet implemented, whose window may open. */
const APPROVED_STATES = new Set(['scheduled']);

/**
 * `deployments`: of the app to the environment, active at `at`; `changes`: of the app and
 * environment. A change counts when it covers the target and is being implemented, or is
 * approved and `at` is inside its window.
 */
export function explainDrift(input: { readonly at: string; readonly target: string; readonly deployments: readonly ActiveDeployment[]; readonly changes: readonly ChangeInScope[] }): DriftExplanation {
  const at = Date.parse(input.at);
  const change = input.changes.find((candidate) => {
    if (!candidate.targets.includes(input.target)) return false;
    if (candidate.state === 'implement') return true;
    return APPROVED_STATES.has(candidate.state) && candidate.window !== null && Date.parse(candidate.window.start) <= at && at < Date.parse(candidate.window.end);
  });
  if (change) {
    const how = change.state === 'implement' ? 'being implemented' : `inside its approved window (${change.window!.start} to ${change.window!.end})`;
    return { unauthorised: false, explanation: `explained by change ${change.id}, ${how} when the drift was seen` };
  }
  const deployment = input.deployments[0];
  if (deployment) return { unauthorised: false, explanation: `explained by deployment ${deployment.id}, ${deployment.state.replace('_', ' ')} when the drift was seen` };
  return { unauthorised: true, explanation: 'no deployment or change explains it' };
}
