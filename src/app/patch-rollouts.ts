/**
 * Patch rollouts are deployments (issue 9): `gantry patch plan ENV --advisory ID|--severity S`
 * works out, from each target's last facts, which packages to upgrade where, and starts one
 * deployment of kind `patch` per application of the environment. Each goes through the engine
 * like any deployment — the application's strategy, batches, failure threshold, load balancer
 * drain, health checks of its live release, and change control in a protected environment — and
 * reads the installed versions back afterwards, so exposure clears when the upgrade took.
 */
import type { Actor } from '../core/actor.js';
import { GantryError } from '../core/errors.js';
import type { Application, PatchOrder } from '../core/model.js';
import { labelsMatch } from '../core/names.js';
import { SEVERITIES, type Advisory, type Severity } from '../core/patch/model.js';
import { planUpgrades, type PatchPlanEntry } from '../core/patch/upgrade-plan.js';
import type { PackageReading } from '../engine/ports.js';
import { factsSchema, type Facts } from '../protocol/agent.js';
import * as deployments from '../store/deployments.repository.js';
import { getTargetFacts } from '../store/target-facts.repository.js';
import { listTargets } from '../store/targets.repository.js';
import type { AppDeps } from './app-deps.js';
import { listAllApplications } from './applications.js';
import { authoriseDeployment, startImplementation } from './change-gate.js';
import type { QueuedDeployment } from './deployments.js';
import { evaluatePolicies } from './policies.js';
import { storeTargetFacts } from './target-facts.js';
import { listKnownAdvisories, packagesOf, recentFacts } from './patch.js';
import { listAllTargets } from './targets.js';

export interface PatchSelection {
  readonly environment: string;
  /** One advisory by id (or one of its aliases, such as a CVE id)… */
  readonly advisory?: string | undefined;
  /** …or every advisory of at least this severity. */
  readonly severity?: Severity | undefined;
  /** Only this application's part of the environment. */
  readonly app?: string | undefined;
}

export interface ApplicationPatchPlan {
  readonly app: string;
  /** The live release, whose health checks run after the upgrade; null when nothing is live there. */
  readonly version: string | null;
  readonly protected: boolean;
  /** Targets that get upgrades. */
  readonly targets: readonly PatchPlanEntry[];
}

export interface PatchRolloutPlan {
  readonly environment: string;
  readonly selection: string;
  readonly advisories: readonly string[];
  readonly applications: readonly ApplicationPatchPlan[];
  /** Targets without recent facts: whether they are affected is not known. */
  readonly unknown: readonly string[];
  /** Targets affected by advisories that have no fixed version yet. */
  readonly withoutFix: readonly { readonly target: string; readonly advisories: readonly string[] }[];
}

function chooseAdvisories(all: readonly Advisory[], selection: PatchSelection): { advisories: Advisory[]; words: string } {
  if ((selection.advisory === undefined) === (selection.severity === undefined)) {
    throw new GantryError('REQUEST_INVALID', 'name either one advisory (--advisory ID) or a severity (--severity critical|high|medium|low)', { where: 'advisory' });
  }
  if (selection.advisory !== undefined) {
    const wanted = selection.advisory;
    const advisory = all.find((candidate) => candidate.id === wanted || candidate.aliases.includes(wanted));
    if (!advisory) throw new GantryError('ADVISORY_NOT_FOUND', `no imported advisory is named ${wanted}; import it with gantry advisories import`, { where: 'advisory' });
    return { advisories: [advisory], words: `advisory ${advisory.id}` };
  }
  const floor = SEVERITIES.indexOf(selection.severity!);
  return { advisories: all.filter((advisory) => SEVERITIES.indexOf(advisory.severity) <= floor), words: `severity ${selection.severity}${floor > 0 ? ' or worse' : ''}` };
}

/**
 * What a patch rollout of the environment would do. Each target is patched once, by the first
 * application (by name) whose environment selects it, with that application's health checks.
 */
export async function planPatchRollout(deps: AppDeps, selection: PatchSelection, visibleApp: (app: string) => boolean = () => true): Promise<PatchRolloutPlan> {
  const [all, views, applications] = await Promise.all([listKnownAdvisories(deps), listAllTargets(deps), listAllApplications(deps)]);
  const { advisories, words } = chooseAdvisories(all, selection);
  const inEnvironment = applications.filter((application) => environmentOf(application, selection.environment) !== undefined && visibleApp(application.name));
  if (selection.app !== undefined && !inEnvironment.some((application) => application.name === selection.app)) {
    throw new GantryError('ENVIRONMENT_NOT_FOUND', `application ${selection.app} has no environment ${selection.environment}`, { where: 'app' });
  }
  if (inEnvironment.length === 0) throw new GantryError('ENVIRONMENT_NOT_FOUND', `no application has an environment ${selection.environment}`, { where: 'environment' });
  const now = deps.clock.now();
  const taken = new Set<string>();
  const plans: ApplicationPatchPlan[] = [];
  const unknown: string[] = [];
  const withoutFix: { target: string; advisories: readonly string[] }[] = [];
  for (const application of [...inEnvironment].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const environment = environmentOf(application, selection.environment)!;
    const selected = views.filter((view) => !taken.has(view.target.name) && labelsMatch(environment.targets, view.target.labels));
    for (const view of selected) taken.add(view.target.name);
    if (selection.app !== undefined && application.name !== selection.app) continue;
    const entries = planUpgrades(
      advisories,
      selected.map((view) => ({ target: view.target.name, packages: packagesOf(view, now), installed: recentFacts(view, now)?.packages ?? [] })),
    );
    unknown.push(...entries.filter((entry) => entry.unknown).map((entry) => entry.target));
    withoutFix.push(...entries.filter((entry) => entry.withoutFix.length > 0).map((entry) => ({ target: entry.target, advisories: entry.withoutFix })));
    const live = (await deployments.listSucceededVersions(deps.db, application.name, selection.environment))[0]?.version ?? null;
    plans.push({ app: application.name, version: live, protected: environment.protected, targets: entries.filter((entry) => entry.upgrades.length > 0) });
  }
  return { environment: selection.environment, selection: words, advisories: advisories.map((advisory) => advisory.id), applications: plans, unknown: unknown.sort(), withoutFix };
}

function environmentOf(application: Application, name: string) {
  return application.manifest.environments.find((environment) => environment.name === name);
}

/**
 * Starts the planned rollout: one `patch` deployment per application with something to upgrade.
 * A protected environment needs a change for the application's live release (`change`, or the
 * one scheduled now), so a change names one application: patch those one at a time (`app`).
 */
export async function startPatchRollout(deps: AppDeps, actor: Actor, selection: PatchSelection & { readonly change?: string | undefined }, visibleApp?: (app: string) => boolean): Promise<{ plan: PatchRolloutPlan; started: QueuedDeployment[] }> {
  const plan = await planPatchRollout(deps, selection, visibleApp);
  const work = plan.applications.filter((application) => application.targets.length > 0);
  if (work.length === 0) throw new GantryError('NOTHING_TO_PATCH', `no target of ${plan.environment} has a package to upgrade for ${plan.selection}${plan.unknown.length > 0 ? ` (no recent facts from ${plan.unknown.join(', ')})` : ''}`, { where: 'environment' });
  const unlive = work.find((application) => application.version === null);
  if (unlive) throw new GantryError('NO_LIVE_RELEASE', `${unlive.app} has no live release in ${plan.environment} whose health checks could follow the upgrade; deploy it first`, { where: 'environment' });
  if (work.length > 1 && (selection.change !== undefined || work.some((application) => application.protected))) {
    throw new GantryError('REQUEST_INVALID', `a change covers one application, and this rollout patches ${work.map((application) => application.app).join(', ')}: patch them one at a time with --app`, { where: 'app' });
  }
  const targets = await listTargets(deps.db);
  const started: QueuedDeployment[] = [];
  for (const application of work) {
    const version = application.version!;
    const order: PatchOrder = {
      selection: plan.selection,
      targets: Object.fromEntries(application.targets.flatMap((entry) => (entry.format === null ? [] : [[entry.target, { format: entry.format, upgrades: entry.upgrades }]]))),
    };
    const claim = { app: application.app, version, environment: plan.environment, change: selection.change };
    const scope = targets.filter((target) => target.name in order.targets);
    const change = application.protected || selection.change !== undefined ? await authoriseDeployment(deps, actor, claim, scope) : null;
    const now = deps.clock.now().toISOString();
    const id = deps.ids.next('d');
    await deps.db.transaction().execute(async (trx) => {
      await deployments.insertDeployment(
        trx,
        { id, app: application.app, environment: plan.environment, version, kind: 'patch', forced: false, createdAt: now, idempotencyKey: null, changeId: change?.id ?? null, patch: order },
        [{ type: 'deployment:queued', data: { kind: 'patch', forced: false, by: actor.user, selection: plan.selection, targets: Object.keys(order.targets), ...(change ? { change: change.id } : {}) } }],
      );
      if (change) await startImplementation(trx, change, actor, id, now);
    });
    const deployment = deployments.assertDeploymentFound(await deployments.getDeployment(deps.db, id), id);
    started.push({ deployment, waitingFor: deployment.state === 'queued' ? await deployments.listQueuedAhead(deps.db, deployment) : [] });
  }
  deps.wakeEngine();
  return { plan, started };
}

/**
 * Merges the versions a patch rollout read back into the target's last facts. A target with no
 * facts yet keeps none: a few packages are not an inventory (an agent report or a probe is).
 */
export async function recordPackageReading(deps: AppDeps, name: string, reading: PackageReading): Promise<void> {
  const previous = await getTargetFacts(deps.db, name);
  const parsed = previous ? factsSchema.safeParse(previous.facts) : null;
  if (!parsed?.success) return;
  const read = new Map(reading.packages.map((pkg) => [pkg.name, pkg]));
  const packages = parsed.data.packages.map((pkg) => {
    const now = read.get(pkg.name);
    return now ? { ...pkg, version: now.version } : pkg;
  });
  const known = new Set(packages.map((pkg) => pkg.name));
  for (const pkg of reading.packages) if (!known.has(pkg.name)) packages.push({ ...pkg });
  packages.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const facts: Facts = { ...parsed.data, packages, ...(reading.rebootRequired === null ? {} : { rebootRequired: reading.rebootRequired }) };
  await storeTargetFacts(deps, name, facts);
  await evaluatePolicies(deps, [name]);
}
