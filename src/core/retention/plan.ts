import { isTerminalDeploymentState, type DeploymentState } from '../deployment/deployment-machine.js';
import { rulesFor, type RetentionPolicy } from './policy.js';

/**
 * The retention planner (issue 10): from the releases, the deployments and the policy, exactly
 * which archives and logs go, and why everything else stays. Pure: the caller reads the store and
 * passes `now`.
 *
 * A release is never pruned while it is live in an environment, is what a rollback there would
 * return to, may still run on some targets after a failed deployment, is used by an unfinished
 * deployment, is held (an open change names it), or has a deployment newer than the cutoff.
 * Pruning a release deletes its archive only: the row stays, because deployments, changes, release
 * notes and delivery metrics name it. Archives are content-addressed, so an archive goes only when
 * every release with its digest is pruned. Deployment events are never deleted (audit trail, DORA).
 */
export interface RetentionRelease {
  readonly app: string;
  readonly version: string;
  readonly digest: string;
  readonly createdAt: string;
  /** Pruned by an earlier run. */
  readonly archivePruned: boolean;
  /** For a pruned release: its archive is still stored (a run stopped between the two steps). */
  readonly archiveStillStored: boolean;
}

export interface RetentionDeployment {
  readonly id: string;
  readonly app: string;
  readonly environment: string;
  readonly version: string;
  readonly kind: string;
  readonly state: DeploymentState;
  readonly createdAt: string;
  readonly finishedAt: string | null;
  /** How many log lines it has. */
  readonly logLines: number;
}

/** Something outside deployments that still needs a release (an open change request). */
export interface RetentionHold {
  readonly app: string;
  readonly version: string;
  readonly reason: string;
}

export interface RetentionInput {
  readonly releases: readonly RetentionRelease[];
  readonly deployments: readonly RetentionDeployment[];
  readonly holds: readonly RetentionHold[];
  readonly policy: RetentionPolicy;
  readonly now: Date;
}

export interface ReleaseVerdict {
  readonly app: string;
  readonly version: string;
  readonly digest: string;
  /** Why it is kept, or why it goes. */
  readonly reasons: readonly string[];
}

export interface ArchiveVerdict {
  readonly digest: string;
  /** Every release with this digest (`app version`), all pruned once the plan is carried out. */
  readonly releases: readonly string[];
}

export interface LogVerdict {
  readonly deploymentId: string;
  readonly app: string;
  readonly environment: string;
  readonly version: string;
  readonly lines: number;
  readonly reasons: readonly string[];
}

export interface EnvironmentReleases {
  readonly app: string;
  readonly environment: string;
  readonly live: string | null;
  /** What `gantry rollback` would return to: the release live there before the current one. */
  readonly rollback: string | null;
}

export interface RetentionPlan {
  readonly pruneReleases: readonly ReleaseVerdict[];
  readonly keptReleases: readonly ReleaseVerdict[];
  readonly deleteArchives: readonly ArchiveVerdict[];
  readonly deleteLogs: readonly LogVerdict[];
  readonly keptLogs: readonly LogVerdict[];
  readonly environments: readonly EnvironmentReleases[];
}

const DAY_MS = 86_400_000;
const releaseKey = (app: string, version: string) => `${app}\u0000${version}`;
const byNewest = <T extends { readonly createdAt: string; readonly id: string }>(a: T, b: T) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id);

/** Deployments grouped by application and environment. */
function byEnvironment(deployments: readonly RetentionDeployment[]): Map<string, RetentionDeployment[]> {
  const groups = new Map<string, RetentionDeployment[]>();
  for (const deployment of deployments) {
    const key = `${deployment.app}\u0000${deployment.environment}`;
    const group = groups.get(key) ?? [];
    group.push(deployment);
    groups.set(key, group);
  }
  return groups;
}

/** Live and rollback releases of one environment, as `gantry status` and `gantry rollback` compute them. */
export function environmentReleases(deployments: readonly RetentionDeployment[]): { live: string | null; rollback: string | null } {
  const succeeded = deployments
    .filter((deployment) => deployment.state === 'succeeded')
    .sort((a, b) => (b.finishedAt ?? '').localeCompare(a.finishedAt ?? '') || b.id.localeCompare(a.id));
  const live = succeeded[0]?.version ?? null;
  const rollback = succeeded.find((deployment) => deployment.version !== live)?.version ?? null;
  return { live, rollback };
}

export function planRetention(input: RetentionInput): RetentionPlan {
  const now = input.now.getTime();
  const keepReasons = new Map<string, string[]>();
  const keep = (app: string, version: string, reason: string) => {
    const key = releaseKey(app, version);
    const reasons = keepReasons.get(key) ?? [];
    if (!reasons.includes(reason)) reasons.push(reason);
    keepReasons.set(key, reasons);
  };
  const environments: EnvironmentReleases[] = [];
  const deleteLogs: LogVerdict[] = [];
  const keptLogs: LogVerdict[] = [];

  for (const group of byEnvironment(input.deployments).values()) {
    const { app, environment } = group[0]!;
    const rules = rulesFor(input.policy, app);
    const { live, rollback } = environmentReleases(group);
    environments.push({ app, environment, live, rollback });
    if (live !== null) keep(app, live, `live in ${environment}`);
    if (rollback !== null) keep(app, rollback, `rollback release of ${environment}`);

    const newest = [...group].sort(byNewest);
    const lastSuccess = newest.filter((deployment) => deployment.state === 'succeeded').sort((a, b) => (b.finishedAt ?? '').localeCompare(a.finishedAt ?? ''))[0];
    const releaseCutoff = now - rules.keepReleaseDays * DAY_MS;
    const logCutoff = now - rules.keepLogDays * DAY_MS;
    const succeededVersions: string[] = [];
    newest.forEach((deployment, index) => {
      if (!isTerminalDeploymentState(deployment.state)) keep(app, deployment.version, `used by unfinished deployment ${deployment.id} (${deployment.state})`);
      // A failed deployment (not rolled back) after the live one may have left targets on its release.
      if ((deployment.state === 'failed' || deployment.state === 'rollback_failed') && (lastSuccess === undefined || (deployment.finishedAt ?? '') > (lastSuccess.finishedAt ?? ''))) {
        keep(app, deployment.version, `may still run on targets of ${environment}: deployment ${deployment.id} ended ${deployment.state}`);
      }
      if (Date.parse(deployment.createdAt) >= releaseCutoff) keep(app, deployment.version, `deployed to ${environment} within ${rules.keepReleaseDays} days (${deployment.id})`);
      if (deployment.state === 'succeeded' && !succeededVersions.includes(deployment.version)) succeededVersions.push(deployment.version);

      if (deployment.logLines === 0) return;
      const reasons: string[] = [];
      if (!isTerminalDeploymentState(deployment.state)) reasons.push(`unfinished (${deployment.state})`);
      if (index < rules.keepLogDeployments) reasons.push(`one of the last ${rules.keepLogDeployments} deployments to ${environment}`);
      if (Date.parse(deployment.createdAt) >= logCutoff) reasons.push(`created within ${rules.keepLogDays} days`);
      const verdict = { deploymentId: deployment.id, app, environment, version: deployment.version, lines: deployment.logLines };
      if (reasons.length > 0) keptLogs.push({ ...verdict, reasons });
      else deleteLogs.push({ ...verdict, reasons: [`older than ${rules.keepLogDays} days and not among the last ${rules.keepLogDeployments} deployments to ${environment}`] });
    });
    // Ordered by their newest successful deployment there (succeededVersions follows `newest`).
    for (const version of succeededVersions.slice(0, rules.keepReleases)) keep(app, version, `one of the last ${rules.keepReleases} releases that succeeded in ${environment}`);
  }
  for (const hold of input.holds) keep(hold.app, hold.version, hold.reason);

  const pruneReleases: ReleaseVerdict[] = [];
  const keptReleases: ReleaseVerdict[] = [];
  const pruned = new Set<string>();
  const deployedTo = new Map<string, Set<string>>();
  for (const deployment of input.deployments) {
    const key = releaseKey(deployment.app, deployment.version);
    deployedTo.set(key, (deployedTo.get(key) ?? new Set()).add(deployment.environment));
  }
  for (const release of input.releases) {
    const key = releaseKey(release.app, release.version);
    const rules = rulesFor(input.policy, release.app);
    const reasons = [...(keepReasons.get(key) ?? [])];
    if (Date.parse(release.createdAt) >= now - rules.keepReleaseDays * DAY_MS) reasons.push(`created within ${rules.keepReleaseDays} days`);
    const verdict = { app: release.app, version: release.version, digest: release.digest };
    if (release.archivePruned) {
      // Nothing is left to decide about it, unless something needs it again (reported, not restored).
      pruned.add(key);
      continue;
    }
    if (reasons.length > 0) {
      keptReleases.push({ ...verdict, reasons });
      continue;
    }
    const environmentsOf = [...(deployedTo.get(key) ?? [])].sort();
    pruneReleases.push({
      ...verdict,
      reasons: [
        environmentsOf.length === 0
          ? `never deployed, created more than ${rules.keepReleaseDays} days ago`
          : `not among the last ${rules.keepReleases} releases that succeeded in ${environmentsOf.join(', ')}, nor deployed within ${rules.keepReleaseDays} days`,
      ],
    });
    pruned.add(key);
  }

  const byDigest = new Map<string, RetentionRelease[]>();
  for (const release of input.releases) byDigest.set(release.digest, [...(byDigest.get(release.digest) ?? []), release]);
  const prunedNow = new Set(pruneReleases.map((verdict) => releaseKey(verdict.app, verdict.version)));
  const deleteArchives: ArchiveVerdict[] = [];
  for (const [digest, sharing] of byDigest) {
    const allPruned = sharing.every((release) => pruned.has(releaseKey(release.app, release.version)));
    const stillStored = sharing.some((release) => prunedNow.has(releaseKey(release.app, release.version)) || release.archiveStillStored);
    if (allPruned && stillStored) deleteArchives.push({ digest, releases: sharing.map((release) => `${release.app} ${release.version}`).sort() });
  }

  const order = (a: { app: string; version: string }, b: { app: string; version: string }) => a.app.localeCompare(b.app) || a.version.localeCompare(b.version);
  return {
    pruneReleases: pruneReleases.sort(order),
    keptReleases: keptReleases.sort(order),
    deleteArchives: deleteArchives.sort((a, b) => a.digest.localeCompare(b.digest)),
    deleteLogs: deleteLogs.sort((a, b) => a.deploymentId.localeCompare(b.deploymentId)),
    keptLogs: keptLogs.sort((a, b) => a.deploymentId.localeCompare(b.deploymentId)),
    environments: environments.sort((a, b) => a.app.localeCompare(b.app) || a.environment.localeCompare(b.environment)),
  };
}
