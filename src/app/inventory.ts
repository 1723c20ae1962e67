/**
 * The inventory and impact analysis (issue 9). Configuration items are what Gantry knows —
 * targets (with their agent's latest facts), applications, the environments their manifests
 * declare — discovered afresh on every read, and the manual CIs people record (stored). Discovered
 * relationships come from the manifests' selectors: `app:A runs-on target:T` and
 * `target:T part-of environment:E` whenever environment E of A selects T; manual ones are stored.
 * A caller sees the applications and environments it may read (and the relationships between
 * what it sees); targets and manual CIs concern the whole fleet, like targets do.
 */
import { z } from 'zod';
import { CHANGE_STATES, type ChangeState } from '../core/change/change-machine.js';
import type { ChangeRequest } from '../core/change/change-request.js';
import { GantryError } from '../core/errors.js';
import { formatManualCiCsv, parseManualCiCsv } from '../core/inventory/ci-csv.js';
import { formatCiRef, manualCiInputSchema, parseCiRef, type CiClass, type CiKind, type ManualCi } from '../core/inventory/configuration-item.js';
import type { CiLifecycle } from '../core/inventory/lifecycle.js';
import { DEFAULT_IMPACT_DEPTH, impactOf, type ImpactStep } from '../core/inventory/impact.js';
import { describeRelationship, RELATIONSHIP_TYPES, type Relationship } from '../core/inventory/relationship.js';
import { labelsMatch, type Labels } from '../core/names.js';
import { factsSchema } from '../protocol/agent.js';
import { listChanges } from '../store/change-requests.repository.js';
import * as store from '../store/cis.repository.js';
import type { AppDeps } from './app-deps.js';
import { listAllApplications } from './applications.js';
import { parseInput } from './parse-input.js';
import { listAllTargets, type TargetView } from './targets.js';

export type { CiSaveOutcome } from '../store/cis.repository.js';

/** What a caller may read: applications by name, environments by name. */
export type InventoryVisibility = (resource: { readonly app?: string; readonly environment?: string }) => boolean;
export const SEES_EVERYTHING: InventoryVisibility = () => true;

/** A target's inventory record: how it is reached and what its agent last reported. */
export interface TargetRecord {
  readonly transport: 'local' | 'ssh' | 'agent';
  readonly labels: Labels;
  /** `Debian GNU/Linux 12 (bookworm)`; null without facts. */
  readonly os: string | null;
  readonly packageCount: number | null;
  /** Agents: the live session's, or the end of the last one; null for other targets. */
  readonly lastSeenAt: string | null;
  readonly factsReportedAt: string | null;
}

export interface ConfigurationItem {
  readonly ref: string;
  readonly kind: CiKind;
  readonly name: string;
  readonly source: 'discovered' | 'manual';
  readonly manual: ManualCi | null;
  readonly target: TargetRecord | null;
  /** Applications: that run on a target, that declare an environment. */
  readonly applications: readonly string[];
  /** Environments: that select a target, that an application declares. */
  readonly environments: readonly string[];
}

export interface InventoryGraph {
  readonly cis: ReadonlyMap<string, ConfigurationItem>;
  /** Discovered and manual, between CIs that exist (and the caller sees). */
  readonly relationships: readonly Relationship[];
}

function targetRecord(view: TargetView): TargetRecord {
  const facts = view.facts ? factsSchema.safeParse(view.facts.facts) : null;
  const os = facts?.success ? `${facts.data.os.name} ${facts.data.os.version}`.trim() : null;
  return {
    transport: view.target.transport.type,
    labels: view.target.labels,
    os: os || null,
    packageCount: facts?.success ? facts.data.packages.length : null,
    lastSeenAt: view.session?.lastSeenAt ?? view.target.lastSeenAt,
    factsReportedAt: view.facts?.reportedAt ?? null,
  };
}

const sorted = (values: Iterable<string>) => [...new Set(values)].sort();

/** Every CI and relationship the caller sees. */
export async function inventoryGraph(deps: AppDeps, visible: InventoryVisibility = SEES_EVERYTHING): Promise<InventoryGraph> {
  const [targets, applications, manual, recorded] = await Promise.all([listAllTargets(deps), listAllApplications(deps), store.listCis(deps.db), store.listManualRelationships(deps.db)]);
  const seen = applications.filter((application) => visible({ app: application.name }));
  const discovered = new Map<string, Relationship>();
  const discover = (relationship: Omit<Relationship, 'source'>) => discovered.set(describeRelationship(relationship), { ...relationship, source: 'discovered' });
  const environmentsOfApp = new Map<string, string[]>();
  const applicationsOfEnvironment = new Map<string, string[]>();
  const onTarget = new Map<string, { applications: string[]; environments: string[] }>();
  for (const application of seen) {
    for (const environment of application.manifest.environments) {
      if (!visible({ app: application.name, environment: environment.name }) || !visible({ environment: environment.name })) continue;
      environmentsOfApp.set(application.name, [...(environmentsOfApp.get(application.name) ?? []), environment.name]);
      applicationsOfEnvironment.set(environment.name, [...(applicationsOfEnvironment.get(environment.name) ?? []), application.name]);
      for (const view of targets.filter((candidate) => labelsMatch(environment.targets, candidate.target.labels))) {
        const target = view.target.name;
        const entry = onTarget.get(target) ?? { applications: [], environments: [] };
        entry.applications.push(application.name);
        entry.environments.push(environment.name);
        onTarget.set(target, entry);
        discover({ from: `app:${application.name}`, type: 'runs-on', to: `target:${target}` });
        discover({ from: `target:${target}`, type: 'part-of', to: `environment:${environment.name}` });
      }
    }
  }
  const cis = new Map<string, ConfigurationItem>();
  const add = (ci: Omit<ConfigurationItem, 'ref'>) => cis.set(formatCiRef(ci), { ...ci, ref: formatCiRef(ci) });
  for (const view of targets) {
    const on = onTarget.get(view.target.name);
    add({ kind: 'target', name: view.target.name, source: 'discovered', manual: null, target: targetRecord(view), applications: sorted(on?.applications ?? []), environments: sorted(on?.environments ?? []) });
  }
  for (const application of seen) {
    add({ kind: 'app', name: application.name, source: 'discovered', manual: null, target: null, applications: [], environments: sorted(environmentsOfApp.get(application.name) ?? []) });
  }
  for (const [environment, names] of applicationsOfEnvironment) {
    add({ kind: 'environment', name: environment, source: 'discovered', manual: null, target: null, applications: sorted(names), environments: [] });
  }
  for (const ci of manual) add({ kind: 'ci', name: ci.name, source: 'manual', manual: ci, target: null, applications: [], environments: [] });
  const relationships = [...discovered.values(), ...recorded.filter((relationship) => cis.has(relationship.from) && cis.has(relationship.to))];
  return { cis, relationships };
}

export interface CiFilter {
  readonly kind?: CiKind | undefined;
  readonly class?: CiClass | undefined;
  readonly lifecycle?: CiLifecycle | undefined;
}

/** The CIs the caller sees, by reference; `class` and `lifecycle` concern manual CIs only. */
export async function listInventory(deps: AppDeps, filter: CiFilter, visible: InventoryVisibility): Promise<ConfigurationItem[]> {
  const { cis } = await inventoryGraph(deps, visible);
  return [...cis.values()]
    .filter((ci) => filter.kind === undefined || ci.kind === filter.kind)
    .filter((ci) => filter.class === undefined || ci.manual?.class === filter.class)
    .filter((ci) => filter.lifecycle === undefined || ci.manual?.lifecycle === filter.lifecycle)
    .sort((a, b) => a.ref.localeCompare(b.ref));
}

/** A bare name is a manual CI's; `KIND:NAME` names any CI. */
function refOf(text: string, where: string): string {
  return formatCiRef(text.includes(':') ? parseCiRef(text, where) : parseCiRef(`ci:${text}`, where));
}

function notFound(ref: string, where: string): GantryError {
  return new GantryError('CI_NOT_FOUND', `${where === 'ci' ? '' : `${where}: `}${ref} does not exist (see gantry ci list)`, { where });
}

export async function showCi(deps: AppDeps, text: string, visible: InventoryVisibility): Promise<{ readonly ci: ConfigurationItem; readonly relationships: readonly Relationship[] }> {
  const ref = refOf(text, 'ci');
  const graph = await inventoryGraph(deps, visible);
  const ci = graph.cis.get(ref);
  if (!ci) throw notFound(ref, 'ci');
  return { ci, relationships: graph.relationships.filter((relationship) => relationship.from === ref || relationship.to === ref) };
}

async function requireManualCi(deps: AppDeps, name: string): Promise<ManualCi> {
  const ci = await store.getCi(deps.db, name);
  if (!ci) throw notFound(`ci:${name}`, 'ci');
  return ci;
}

/** Creates or replaces a manual CI (a lifecycle change must follow the lifecycle). */
export async function saveCi(deps: AppDeps, input: unknown, options: { readonly mustBeNew?: boolean } = {}): Promise<{ readonly ci: ManualCi; readonly outcome: 'created' | 'updated' | 'unchanged' }> {
  const parsed = parseInput(manualCiInputSchema, input, '', 'configuration item');
  const outcome = await store.saveCis(deps.db, [parsed], deps.clock.now().toISOString(), options);
  return { ci: await requireManualCi(deps, parsed.name), outcome: outcome.created.length > 0 ? 'created' : outcome.updated.length > 0 ? 'updated' : 'unchanged' };
}

/** Removes a manual CI with the relationships recorded with it. */
export async function deleteCi(deps: AppDeps, name: string): Promise<void> {
  if (!(await store.deleteCi(deps.db, name, `ci:${name}`))) throw notFound(`ci:${name}`, 'ci');
}

/** Upserts the CSV's CIs by name, all or nothing; every problem is `FILE:line: column: what`. */
export async function importCis(deps: AppDeps, file: string, csv: string): Promise<store.CiSaveOutcome> {
  const rows = parseManualCiCsv(csv, file);
  return store.saveCis(
    deps.db,
    rows.map((row) => row.ci),
    deps.clock.now().toISOString(),
    { where: (index) => `${file}:${rows[index]?.line ?? 1}` },
  );
}

export async function exportCis(deps: AppDeps): Promise<string> {
  return formatManualCiCsv(await store.listCis(deps.db));
}

export const relationshipInputSchema = z.strictObject({
  from: z.string().min(1).max(300),
  type: z.enum(RELATIONSHIP_TYPES, { message: `must be one of ${RELATIONSHIP_TYPES.join(', ')}` }),
  to: z.string().min(1).max(300),
});

async function checkedRelationship(deps: AppDeps, input: unknown): Promise<Omit<Relationship, 'source'>> {
  const parsed = parseInput(relationshipInputSchema, input, '', 'relationship');
  const relationship = { from: formatCiRef(parseCiRef(parsed.from, 'from')), type: parsed.type, to: formatCiRef(parseCiRef(parsed.to, 'to')) };
  if (relationship.from === relationship.to) throw new GantryError('REQUEST_INVALID', `to: a CI cannot be related to itself (${relationship.from} ${relationship.type} ${relationship.to})`, { where: 'to' });
  return relationship;
}

/** Records a relationship between two CIs that exist; recording it again changes nothing (`created` false). */
export async function relate(deps: AppDeps, input: unknown): Promise<{ readonly relationship: Relationship; readonly created: boolean }> {
  const relationship = await checkedRelationship(deps, input);
  const { cis } = await inventoryGraph(deps);
  for (const end of ['from', 'to'] as const) if (!cis.has(relationship[end])) throw notFound(relationship[end], end);
  const created = await store.addRelationship(deps.db, relationship, deps.clock.now().toISOString());
  return { relationship: { ...relationship, source: 'manual' }, created };
}

/** Removes a recorded relationship; `false` when there was none (discovered ones cannot be removed: change the labels or the manifest). */
export async function unrelate(deps: AppDeps, input: unknown): Promise<boolean> {
  return store.removeRelationship(deps.db, await checkedRelationship(deps, input));
}

export async function listRelationships(deps: AppDeps, ci: string | undefined, visible: InventoryVisibility): Promise<Relationship[]> {
  const { relationships } = await inventoryGraph(deps, visible);
  const ref = ci === undefined ? undefined : refOf(ci, 'ci');
  return relationships.filter((relationship) => ref === undefined || relationship.from === ref || relationship.to === ref);
}

/** Changes still to come or under way: not closed, cancelled or rejected. */
const OPEN_CHANGE_STATES: readonly ChangeState[] = CHANGE_STATES.filter((state) => state !== 'closed' && state !== 'cancelled' && state !== 'rejected');
const OPEN_CHANGES_READ = 500;

export interface AffectedChange {
  readonly change: ChangeRequest;
  /** The CIs of the change (its application, environment, targets) that the impact reaches. */
  readonly because: readonly string[];
}

export interface ImpactReport {
  readonly ci: ConfigurationItem;
  readonly depth: number;
  readonly applications: readonly ImpactStep[];
  readonly environments: readonly ImpactStep[];
  readonly targets: readonly ImpactStep[];
  readonly others: readonly ImpactStep[];
  /** CIs the impact reaches beyond `depth`, not listed. */
  readonly beyondDepth: number;
  readonly changes: readonly AffectedChange[];
}

/** If `text` (a CI reference) changes or fails, what is affected, how, and which open changes touch it. */
export async function analyseImpact(deps: AppDeps, text: string, depth: number = DEFAULT_IMPACT_DEPTH, visible: InventoryVisibility = SEES_EVERYTHING): Promise<ImpactReport> {
  const ref = refOf(text, 'ci');
  const graph = await inventoryGraph(deps, visible);
  const ci = graph.cis.get(ref);
  if (!ci) throw notFound(ref, 'ci');
  const impact = impactOf(ref, graph.relationships, depth);
  const of = (kind: CiKind) => impact.affected.filter((step) => graph.cis.get(step.ref)?.kind === kind);
  const reached = new Set([ref, ...impact.affected.map((step) => step.ref)]);
  const open = await listChanges(deps.db, { states: OPEN_CHANGE_STATES, limit: OPEN_CHANGES_READ });
  const changes = open
    .filter((change) => visible({ app: change.computed.app, environment: change.computed.environment }))
    .map((change) => ({
      change,
      because: [`app:${change.computed.app}`, `environment:${change.computed.environment}`, ...change.computed.targets.map((target) => `target:${target}`)].filter((candidate) => reached.has(candidate)),
    }))
    .filter((entry) => entry.because.length > 0);
  return { ci, depth, applications: of('app'), environments: of('environment'), targets: of('target'), others: of('ci'), beyondDepth: impact.beyondDepth, changes };
}

/** The other applications a change to `app` reaches (for the change's blast radius), nearest first; empty when it is not in the inventory. */
export async function applicationsImpactedBy(deps: AppDeps, app: string): Promise<string[]> {
  const graph = await inventoryGraph(deps);
  const ref = `app:${app}`;
  if (!graph.cis.has(ref)) return [];
  return impactOf(ref, graph.relationships).affected.filter((step) => graph.cis.get(step.ref)?.kind === 'app').map((step) => step.ref);
}
