import type { Kysely, Migration, MigrationProvider } from 'kysely';
import type { StoreCapabilities } from '../capabilities.js';
import * as init from './2026_11_27_0001_init.js';
import * as idempotencyKey from './2026_11_27_0002_deployment_idempotency_key.js';
import * as agents from './2026_11_27_0003_agents.js';
import * as rolloutControl from './2026_11_27_0004_rollout_control.js';
import * as calendarWindows from './2026_11_27_0005_calendar_windows.js';
import * as changeRequests from './2026_11_27_0006_change_requests.js';
import * as accessAndAudit from './2026_11_27_0007_access_and_audit.js';
import * as secrets from './2026_11_27_0008_secrets.js';
import * as users from './2026_11_27_0009_users.js';
import * as teams from './2026_11_27_0010_teams.js';
import * as nodesAndArtifacts from './2026_11_27_0011_nodes_and_artifacts.js';
import * as auditFilters from './2026_11_27_0012_audit_filters.js';
import * as advisories from './2026_11_27_0013_advisories.js';
import * as policies from './2026_11_27_0014_policies.js';
import * as inventory from './2026_11_27_0015_inventory.js';
import * as drift from './2026_11_27_0016_drift.js';
import * as patchRollouts from './2026_11_27_0017_patch_rollouts.js';
import * as exposureSightings from './2026_11_27_0018_exposure_sightings.js';
import * as notifications from './2026_11_28_0019_notifications.js';
import * as releaseCommits from './2026_11_28_0020_release_commits.js';
import * as incidents from './2026_11_28_0021_incidents.js';
import * as feedback from './2026_11_28_0022_feedback.js';
import * as retention from './2026_11_28_0023_retention.js';
import * as releaseEvidence from './2026_11_28_0024_release_evidence.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was
type MigrationModule = { up(db: Kysely<any>, capabilities: StoreCapabilities): Promise<void> };

/** The ordered, static list of migrations (no directory scan, so bundling is safe). */
const MIGRATIONS: Readonly<Record<string, MigrationModule>> = {
  '2026_11_27_0001_init': init,
  '2026_11_27_0002_deployment_idempotency_key': idempotencyKey,
  '2026_11_27_0003_agents': agents,
  '2026_11_27_0004_rollout_control': rolloutControl,
  '2026_11_27_0005_calendar_windows': calendarWindows,
  '2026_11_27_0006_change_requests': changeRequests,
  '2026_11_27_0007_access_and_audit': accessAndAudit,
  '2026_11_27_0008_secrets': secrets,
  '2026_11_27_0009_users': users,
  '2026_11_27_0010_teams': teams,
  '2026_11_27_0011_nodes_and_artifacts': nodesAndArtifacts,
  '2026_11_27_0012_audit_filters': auditFilters,
  '2026_11_27_0013_advisories': advisories,
  '2026_11_27_0014_policies': policies,
  '2026_11_27_0015_inventory': inventory,
  '2026_11_27_0016_drift': drift,
  '2026_11_27_0017_patch_rollouts': patchRollouts,
  '2026_11_27_0018_exposure_sightings': exposureSightings,
  '2026_11_28_0019_notifications': notifications,
  '2026_11_28_0020_release_commits': releaseCommits,
  '2026_11_28_0021_incidents': incidents,
  '2026_11_28_0022_feedback': feedback,
  '2026_11_28_0023_retention': retention,
  '2026_11_28_0024_release_evidence': releaseEvidence,
};

export function migrationProvider(capabilities: StoreCapabilities): MigrationProvider {
  return {
    async getMigrations() {
      const migrations: Record<string, Migration> = {};
      for (const [name, module] of Object.entries(MIGRATIONS)) {
        migrations[name] = { up: (db) => module.up(db, capabilities) };
      }
      return migrations;
    },
  };
}

export const LATEST_MIGRATION = Object.keys(MIGRATIONS).at(-1);
