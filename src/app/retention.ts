import { GantryError } from '../core/errors.js';
import { planRetention, type RetentionPlan, type RetentionRelease } from '../core/retention/plan.js';
import { RETENTION_RULE_LIMITS, RETENTION_RULE_NAMES, type RetentionPolicy, type RetentionRules } from '../core/retention/policy.js';
import { listApplications } from '../store/applications.repository.js';
import {
  countReleasesKeepingDigest,
  deleteDeploymentLogs,
  listOpenChangeHolds,
  listRetentionDeployments,
  listRetentionReleases,
  markReleasesPruned,
  readRetentionPolicy as readStoredPolicy,
  replaceRetentionPolicy,
  type StoredRetentionPolicy,
} from '../store/retention.repository.js';
import type { AppDeps } from './app-deps.js';
import { recordAudit } from './audit.js';

export type { StoredRetentionPolicy };

/** Deployments whose logs one transaction deletes, and releases one transaction marks: bounded work per transaction. */
const LOG_BATCH = 20;
const RELEASE_BATCH = 50;
/** Two nodes applying at once may collide on a lock; a batch is tried again this many times (every step is idempotent). */
const BATCH_ATTEMPTS = 3;

export function readRetentionPolicy(deps: AppDeps): Promise<StoredRetentionPolicy> {
  return readStoredPolicy(deps.db);
}

function checkRules(rules: Partial<RetentionRules>, where: string): void {
  for (const name of RETENTION_RULE_NAMES) {
    const value = rules[name];
    if (value === undefined) continue;
    const { min, max } = RETENTION_RULE_LIMITS[name];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new GantryError('REQUEST_INVALID', `${where}.${name}: must be a whole number from ${min} to ${max}, not ${String(value)}`, { where: `${where}.${name}` });
    }
  }
}

/** Replaces the retention policy; every override must name an existing application. */
export async function setRetentionPolicy(deps: AppDeps, by: string, input: { readonly installation: Partial<RetentionRules>; readonly overrides: Readonly<Record<string, Partial<RetentionRules>>> }): Promise<StoredRetentionPolicy> {
  checkRules(input.installation, 'installation');
  const known = new Set((await listApplications(deps.db)).map((application) => application.name));
  for (const [app, rules] of Object.entries(input.overrides)) {
    if (!known.has(app)) throw new GantryError('APP_NOT_FOUND', `overrides.${app}: there is no application ${app}`, { where: `overrides.${app}` });
    checkRules(rules, `overrides.${app}`);
  }
  const current = await readStoredPolicy(deps.db);
  const policy: RetentionPolicy = { installation: { ...current.policy.installation, ...input.installation }, overrides: input.overrides };
  await replaceRetentionPolicy(deps.db, policy, deps.clock.now().toISOString(), by);
  return readStoredPolicy(deps.db);
}

export interface RetentionPreview {
  readonly generatedAt: string;
  readonly policy: RetentionPolicy;
  readonly plan: RetentionPlan;
}

/** The dry run: exactly what an apply now would delete, and why everything else is kept. */
export async function previewRetention(deps: AppDeps): Promise<RetentionPreview> {
  const now = deps.clock.now();
  const [{ policy }, rows, deployments, holds] = await Promise.all([readStoredPolicy(deps.db), listRetentionReleases(deps.db), listRetentionDeployments(deps.db), listOpenChangeHolds(deps.db)]);
  // A digest all of whose releases are pruned may still be stored when a run stopped half-way.
  const keptDigests = new Set(rows.filter((row) => row.archivePrunedAt === null).map((row) => row.digest));
  const leftBehind = new Set<string>();
  for (const digest of new Set(rows.filter((row) => row.archivePrunedAt !== null && !keptDigests.has(row.digest)).map((row) => row.digest))) {
    if (await deps.archives.has(digest)) leftBehind.add(digest);
  }
  const releases: RetentionRelease[] = rows.map((row) => ({
    app: row.app,
    version: row.version,
    digest: row.digest,
    createdAt: row.createdAt,
    archivePruned: row.archivePrunedAt !== null,
    archiveStillStored: row.archivePrunedAt !== null && leftBehind.has(row.digest),
  }));
  return { generatedAt: now.toISOString(), policy, plan: planRetention({ releases, deployments, holds, policy, now }) };
}

export interface RetentionOutcome {
  readonly appliedAt: string;
  /** Releases this run marked pruned (another node may have marked some of the plan's first). */
  readonly prunedReleases: readonly { readonly app: string; readonly version: string }[];
  readonly deletedArchives: readonly string[];
  readonly deletedLogLines: number;
  /** Deployments whose logs were deleted. */
  readonly deletedLogDeployments: number;
}

async function withRetries<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= BATCH_ATTEMPTS) throw error;
    }
  }
}

/**
 * Carries out the plan a preview shows, in bounded transactions: logs, then releases (marked
 * pruned, unless a deployment started using one meanwhile), then archives no release keeps any
 * more. Idempotent, and safe on several nodes at once. Recorded in the audit log as
 * `retention:apply` (by `actor`: a user, or `gantry` for the scheduled run).
 */
export async function applyRetention(deps: AppDeps, actor: string, options: { readonly scheduled?: boolean; readonly address?: string | null } = {}): Promise<RetentionOutcome> {
  const { plan } = await previewRetention(deps);
  const appliedAt = deps.clock.now().toISOString();

  let deletedLogLines = 0;
  const logDeployments = plan.deleteLogs.map((verdict) => verdict.deploymentId);
  for (let start = 0; start < logDeployments.length; start += LOG_BATCH) {
    const batch = logDeployments.slice(start, start + LOG_BATCH);
    deletedLogLines += await withRetries(() => deps.db.transaction().execute((trx) => deleteDeploymentLogs(trx, batch)));
  }

  const prunedReleases: { app: string; version: string }[] = [];
  for (let start = 0; start < plan.pruneReleases.length; start += RELEASE_BATCH) {
    const batch = plan.pruneReleases.slice(start, start + RELEASE_BATCH);
    prunedReleases.push(...(await withRetries(() => markReleasesPruned(deps.db, batch, appliedAt))));
  }

  const deletedArchives: string[] = [];
  for (const { digest } of plan.deleteArchives) {
    // Checked again: a release kept by the plan could not have been marked, but look anyway.
    if ((await countReleasesKeepingDigest(deps.db, digest)) > 0) continue;
    await deps.archives.remove(digest);
    deletedArchives.push(digest);
  }

  const outcome: RetentionOutcome = { appliedAt, prunedReleases, deletedArchives, deletedLogLines, deletedLogDeployments: logDeployments.length };
  await recordAudit(deps, {
    actor,
    action: 'retention:apply',
    resource: 'retention',
    address: options.address ?? null,
    outcome: options.scheduled ? 'scheduled run' : 'applied',
    details: {
      prunedReleases: prunedReleases.slice(0, 100).map((release) => `${release.app} ${release.version}`),
      prunedReleaseCount: prunedReleases.length,
      deletedArchives: deletedArchives.length,
      deletedLogLines,
      deletedLogDeployments: logDeployments.length,
    },
  });
  return outcome;
}
