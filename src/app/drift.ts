/**
 * Configuration drift (issue 9). The desired state of a target, for each application live on it,
 * is what Gantry put in the live release's directory: every file of the release archive and,
 * over them, the config files rendered for that target (digests only: a rendered secret is a
 * sha256 here, never its value); and the packages its manifest declares, compared with the
 * target's last reported facts. The live state is computed on the target itself, through the
 * same session the engine deploys with (local, SSH or agent alike), by a fixed listing program.
 * A drift that no deployment or change explains is an unauthorised change. Remediation is a
 * redeploy of the live release through the normal deployment path (change control included).
 */
import { createHash } from 'node:crypto';
import type { Actor } from '../core/actor.js';
import { compareFiles, comparePackages } from '../core/drift/compare.js';
import { explainDrift } from '../core/drift/explain.js';
import { prunableDirectories } from '../core/drift/ignore-globs.js';
import { LIST_RELEASE_FILES, parseReleaseListing, PRUNE_VARIABLE, RELEASE_MARKER } from '../core/drift/listing.js';
import type { DriftRecord } from '../core/drift/model.js';
import { needsExplanation, nextDriftRecord, type DriftObservation, type DriftSubject } from '../core/drift/record.js';
import { GantryError, isGantryError } from '../core/errors.js';
import { parseManifest } from '../core/manifest/parse-manifest.js';
import type { Manifest } from '../core/manifest/schema.js';
import type { Release, Target } from '../core/model.js';
import { createMasker, type Masker } from '../core/secrets/mask.js';
import type { TargetSession } from '../engine/ports.js';
import { resolveTargetWork } from '../engine/target-work.js';
import { listChanges } from '../store/change-requests.repository.js';
import { liveSlot } from '../store/deployments.repository.js';
import * as store from '../store/drift.repository.js';
import { getRelease } from '../store/releases.repository.js';
import { getTargetFacts } from '../store/target-facts.repository.js';
import { listTargets } from '../store/targets.repository.js';
import type { AppDeps } from './app-deps.js';
import { startDeployment, type QueuedDeployment } from './deployments.js';
import { packagesOf } from './patch.js';
import { createSecretSource } from './secrets.js';

export type { DriftRecord } from '../core/drift/model.js';

/** Targets checked at once; each session is closed when its target is done. */
const CHECK_CONCURRENCY = 4;
const CONNECT_TIMEOUT_MS = 15_000;
const LISTING_TIMEOUT_MS = 120_000;
/** A listing larger than this (about 100 000 files) is cut off: the state is unknown, with the reason. */
const MAX_LISTING_CHARS = 16 * 1024 * 1024;

export interface DriftScope {
  readonly environment?: string | undefined;
  readonly target?: string | undefined;
}

/** May the caller see (or act on) this application in this environment. */
export type AppScope = (app: string, environment: string) => boolean;

const everything: AppScope = () => true;

interface LiveRelease extends DriftSubject {
  readonly targetRecord: Target;
}

/** Every target × application with a live release, as far as the scope and `visible` reach. */
async function liveReleases(deps: AppDeps, scope: DriftScope, visible: AppScope): Promise<{ inScope: LiveRelease[]; all: { target: string; app: string }[] }> {
  const [releases, targets] = await Promise.all([store.listTargetReleases(deps.db), listTargets(deps.db)]);
  const byName = new Map(targets.map((target) => [target.name, target]));
  if (scope.target !== undefined && !byName.has(scope.target)) throw new GantryError('TARGET_NOT_FOUND', `target ${scope.target} does not exist`, { where: 'target' });
  const all: LiveRelease[] = [];
  for (const release of releases) {
    const target = byName.get(release.target);
    if (release.version === null || !target) continue;
    all.push({ target: release.target, app: release.app, environment: release.environment, version: release.version, targetRecord: target });
  }
  const inScope = all.filter(
    (live) => (scope.environment === undefined || live.environment === scope.environment) && (scope.target === undefined || live.target === scope.target) && visible(live.app, live.environment),
  );
  return { inScope, all: all.map(({ target, app }) => ({ target, app })) };
}

/** What one release needs to know its desired files on any target; read once per check. */
interface ReleaseDesign {
  readonly release: Release;
  readonly manifest: Manifest;
  readonly archiveFiles: ReadonlyMap<string, string>;
  readonly templates: ReadonlyMap<string, string>;
  readonly secrets: ReadonlyMap<string, string>;
  readonly masker: Masker;
  readonly slot: 'blue' | 'green' | null;
}

function cached<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let value = cache.get(key);
  if (!value) {
    value = load();
    cache.set(key, value);
  }
  return value;
}

async function loadDesign(deps: AppDeps, app: string, environment: string, version: string): Promise<ReleaseDesign> {
  const release = await getRelease(deps.db, app, version);
  if (!release) throw new GantryError('RELEASE_NOT_FOUND', `release ${app} ${version}, live here, no longer exists`);
  const manifest = parseManifest(release.manifestSource, `release ${app} ${version}`);
  const [archiveFiles, templates, secrets, slot] = await Promise.all([
    deps.archives.fileDigests(release.digest),
    deps.archives.readFiles(release.digest, manifest.config.map((entry) => entry.template)),
    createSecretSource(deps).valuesFor(app, environment),
    manifest.strategy.type === 'blueGreen' ? liveSlot(deps.db, app, environment) : Promise.resolve(null),
  ]);
  return { release, manifest, archiveFiles, templates, secrets, masker: createMasker(secrets.values()), slot };
}

/** The archive's files, then the config files rendered for the target over them: path → sha256. */
function desiredFiles(design: ReleaseDesign, environment: string, target: Target): Map<string, string> {
  const work = resolveTargetWork(design.manifest, environment, [target], design.templates, design.slot, design.secrets).get(target.name);
  const files = new Map(design.archiveFiles);
  for (const file of work?.configFiles ?? []) files.set(file.path, createHash('sha256').update(file.content).digest('hex'));
  return files;
}

/** Runs the listing program in the release directory on the target: path → sha256. */
async function listLiveFiles(session: TargetSession, subject: DriftSubject, manifest: Manifest): Promise<Map<string, string>> {
  const controller = new AbortController();
  const chunks: string[] = [];
  let size = 0;
  let stderr = '';
  let tooLarge = false;
  const prune = prunableDirectories(manifest.drift?.ignore ?? []);
  try {
    const result = await session.runCheck(
      subject.app,
      subject.version,
      { command: LIST_RELEASE_FILES, env: { [PRUNE_VARIABLE]: prune.join('\n') } },
      {
        timeoutMs: LISTING_TIMEOUT_MS,
        signal: controller.signal,
        onOutput: (stream, text) => {
          if (stream === 'stderr') {
            stderr = (stderr + text).slice(-2000);
            return;
          }
          size += text.length;
          if (size > MAX_LISTING_CHARS) {
            tooLarge = true;
            controller.abort();
          } else chunks.push(text);
        },
      },
    );
    if (result.exitCode !== 0) {
      const lastLine = stderr.trim().split('\n').at(-1)?.trim() ?? '';
      throw new GantryError('DRIFT_CHECK_FAILED', `listing the files of ${subject.app} ${subject.version} exited with code ${result.exitCode}${lastLine === '' ? '' : `: ${lastLine.slice(0, 300)}`}`);
    }
  } catch (error) {
    if (tooLarge) throw new GantryError('DRIFT_CHECK_FAILED', `the file listing of ${subject.app} ${subject.version} is larger than ${MAX_LISTING_CHARS / 1024 / 1024} MiB; leave generated directories out with drift.ignore`);
    throw error;
  }
  return parseReleaseListing(chunks.join(''));
}

function reasonOf(error: unknown, masker: Masker): string {
  if (isGantryError(error)) return `error[${error.code}]: ${masker.mask(error.message)}`;
  return `error[INTERNAL]: ${error instanceof Error ? masker.mask(error.message).slice(0, 300) : 'unknown error'}`;
}

/** The explanation of a drift seen now: active deployments of the app there, changes covering the target. */
async function explainNow(deps: AppDeps, subject: DriftSubject, at: string) {
  const [deployments, changes] = await Promise.all([
    store.listActiveDeployments(deps.db, subject.app, subject.environment),
    listChanges(deps.db, { states: ['implement', 'scheduled'], app: subject.app, environment: subject.environment, limit: 100 }),
  ]);
  return explainDrift({
    at,
    target: subject.target,
    deployments,
    changes: changes.map((change) => ({ id: change.id, state: change.state, window: change.plan.window ?? null, targets: change.computed.targets })),
  });
}

async function recordCheck(deps: AppDeps, subject: DriftSubject, observation: DriftObservation): Promise<DriftRecord> {
  const at = deps.clock.now().toISOString();
  const previous = await store.getDriftRecord(deps.db, subject.target, subject.app);
  const explanation = needsExplanation(previous, subject, observation) ? await explainNow(deps, subject, at) : null;
  const record = nextDriftRecord(previous, subject, observation, at, explanation);
  await store.saveDriftRecord(deps.db, record);
  return record;
}

/** Checks every application live on one target, through one session, closed at the end. */
async function checkTarget(deps: AppDeps, target: Target, lives: readonly LiveRelease[], designs: Map<string, Promise<ReleaseDesign>>): Promise<DriftRecord[]> {
  let session: TargetSession | null = null;
  let unreachable: unknown = null;
  try {
    session = await deps.executor.open(target, { timeoutMs: CONNECT_TIMEOUT_MS });
  } catch (error) {
    unreachable = error;
  }
  const records: DriftRecord[] = [];
  // The declared packages are compared with what the target last reported (its agent, or a probe).
  const installed = packagesOf({ target, facts: await getTargetFacts(deps.db, target.name), session: null }, deps.clock.now());
  try {
    for (const live of lives) {
      const subject: DriftSubject = { target: live.target, app: live.app, environment: live.environment, version: live.version };
      let observation: DriftObservation;
      let masker = createMasker([]);
      try {
        const design = await cached(designs, `${live.app}\0${live.environment}\0${live.version}`, () => loadDesign(deps, live.app, live.environment, live.version));
        masker = design.masker;
        const desired = desiredFiles(design, live.environment, target);
        if (session === null) throw unreachable;
        const found = await listLiveFiles(session, subject, design.manifest);
        const files = compareFiles(desired, found, design.manifest.drift?.ignore ?? []);
        observation = { kind: 'checked', differences: { ...files, packages: comparePackages(design.manifest.packages, installed) } };
      } catch (error) {
        observation = { kind: 'unknown', reason: reasonOf(error, masker) };
      }
      records.push(await recordCheck(deps, subject, observation));
    }
  } finally {
    await session?.close().catch(() => undefined);
  }
  return records;
}

/**
 * Checks every target × application with a live release in the scope (and that `visible` lets
 * through), a few targets at a time, and stores each result. Records of pairs that no longer
 * have a live release (target removed, rolled back to nothing) are dropped. Returns the records.
 */
export async function checkDrift(deps: AppDeps, scope: DriftScope = {}, visible: AppScope = everything): Promise<DriftRecord[]> {
  const { inScope, all } = await liveReleases(deps, scope, visible);
  const live = new Set(all.map((pair) => `${pair.target}\0${pair.app}`));
  const stale = (await store.listDriftRecords(deps.db)).filter((record) => !live.has(`${record.target}\0${record.app}`));
  await store.deleteDriftRecords(deps.db, stale);
  const byTarget = new Map<string, LiveRelease[]>();
  for (const entry of inScope) byTarget.set(entry.target, [...(byTarget.get(entry.target) ?? []), entry]);
  const queue = [...byTarget.values()];
  const designs = new Map<string, Promise<ReleaseDesign>>();
  const records: DriftRecord[] = [];
  const worker = async () => {
    for (let lives = queue.shift(); lives; lives = queue.shift()) records.push(...(await checkTarget(deps, lives[0]!.targetRecord, lives, designs)));
  };
  await Promise.all(Array.from({ length: Math.min(CHECK_CONCURRENCY, queue.length) }, worker));
  return sortRecords(records);
}

function sortRecords(records: DriftRecord[]): DriftRecord[] {
  return records.sort((a, b) => a.environment.localeCompare(b.environment) || a.target.localeCompare(b.target) || a.app.localeCompare(b.app));
}

/** The stored results of the last checks in the scope, as far as `visible` reaches. */
export async function listDrift(deps: AppDeps, scope: DriftScope = {}, visible: AppScope = everything): Promise<DriftRecord[]> {
  if (scope.target !== undefined && !(await listTargets(deps.db)).some((target) => target.name === scope.target)) {
    throw new GantryError('TARGET_NOT_FOUND', `target ${scope.target} does not exist`, { where: 'target' });
  }
  return sortRecords((await store.listDriftRecords(deps.db, scope)).filter((record) => visible(record.app, record.environment)));
}

/**
 * Leaves a drifted release directory marked as no longer what its archive unpacks to, so that
 * the redeploy's unpack step unpacks it afresh instead of keeping it (a line added to Gantry's
 * marker file; the release stays complete and can still be activated). Nothing is interpolated.
 */
const MARK_RELEASE_DRIFTED = `if [ -f ${RELEASE_MARKER} ]; then echo drifted >> ${RELEASE_MARKER}; fi`;

async function markDrifted(deps: AppDeps, targets: readonly Target[], record: DriftRecord): Promise<void> {
  const target = targets.find((candidate) => candidate.name === record.target);
  if (!target) return;
  const session = await deps.executor.open(target, { timeoutMs: CONNECT_TIMEOUT_MS });
  try {
    const result = await session.runCheck(record.app, record.version, { command: MARK_RELEASE_DRIFTED, env: {} }, { timeoutMs: CONNECT_TIMEOUT_MS });
    if (result.exitCode !== 0) throw new GantryError('STEP_FAILED', `marking release ${record.app} ${record.version} on ${record.target} for a fresh unpack exited with code ${result.exitCode}`);
  } finally {
    await session.close().catch(() => undefined);
  }
}

/**
 * Redeploys the live release of every drifted application in the scope (an environment or a
 * target; the redeploy covers the application's whole environment), through `startDeployment`,
 * so change control applies in protected environments. Every application × environment to
 * redeploy must be one `mayDeploy` allows, or nothing starts. A record whose release is no longer
 * the one live on its target (a deployment since) is left for the next check.
 */
export async function remediateDrift(deps: AppDeps, actor: Actor, scope: DriftScope, visible: AppScope, mayDeploy: AppScope): Promise<QueuedDeployment[]> {
  if (scope.environment === undefined && scope.target === undefined) throw new GantryError('REQUEST_INVALID', 'name an environment or a target to remediate', { where: 'environment' });
  const drifted = (await listDrift(deps, scope, visible)).filter((record) => record.state === 'drifted');
  const liveNow = new Map((await store.listTargetReleases(deps.db)).map((live) => [`${live.target}\0${live.app}`, live.version]));
  const current = drifted.filter((record) => liveNow.get(`${record.target}\0${record.app}`) === record.version);
  const groups = new Map<string, DriftRecord[]>();
  for (const record of current) {
    const key = `${record.app}\0${record.environment}\0${record.version}`;
    groups.set(key, [...(groups.get(key) ?? []), record]);
  }
  for (const [first] of groups.values()) {
    if (!mayDeploy(first!.app, first!.environment)) {
      throw new GantryError('PERMISSION_DENIED', `${actor.user} may not deploy ${first!.app} to ${first!.environment}, which has drifted; nothing was redeployed`, { where: 'access' });
    }
  }
  const targets = await listTargets(deps.db);
  const started: QueuedDeployment[] = [];
  for (const records of groups.values()) {
    const { app, environment, version } = records[0]!;
    for (const record of records) await markDrifted(deps, targets, record);
    started.push(await startDeployment(deps, actor, { app, version, environment, force: false }));
  }
  return started;
}
