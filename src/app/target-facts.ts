/**
 * A target's facts, from whichever source reported them (its agent, a probe over SSH, a policy
 * check, a patch rollout reading back its packages): stored with what changed since the last
 * report. The callers evaluate the compliance policies again, since their results follow the facts.
 */
import { diffFacts } from '../core/inventory/diff-facts.js';
import type { Facts } from '../protocol/agent.js';
import { getTargetFacts, saveTargetFacts } from '../store/target-facts.repository.js';
import { getTarget } from '../store/targets.repository.js';
import type { AppDeps } from './app-deps.js';
import { noteExposure } from './patch.js';

/** A report without policy checks (an agent's own) keeps the last checks: only a policy check replaces them. */
export async function storeTargetFacts(deps: AppDeps, name: string, reported: Facts): Promise<void> {
  const previous = await getTargetFacts(deps.db, name);
  const earlierChecks = (previous?.facts as Facts | undefined)?.checks;
  const facts: Facts = reported.checks === undefined && earlierChecks !== undefined ? { ...reported, checks: earlierChecks } : reported;
  const changes = previous ? diffFacts(previous.facts as Facts, facts) : [];
  const reportedAt = deps.clock.now().toISOString();
  await saveTargetFacts(deps.db, name, facts, reportedAt, changes);
  const target = await getTarget(deps.db, name);
  if (target) await noteExposure(deps, { target, facts: { facts, reportedAt }, session: null });
}
