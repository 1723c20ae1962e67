/**
 * Table row types. Portable column choices (DESIGN §7): ids as text, timestamps as ISO-8601
 * UTC text from the injected clock, JSON as text parsed in each repository's mapper, booleans
 * as 0/1 integers.
 */
import type { Generated } from 'kysely';

export interface ApplicationsTable {
  name: string;
  manifest_source: string;
  created_at: string;
  updated_at: string;
}

export interface TargetsTable {
  name: string;
  transport_json: string;
  labels_json: string;
  created_at: string;
  /** Agents: when the last session ended (the live value is kept in memory while connected). */
  last_seen_at: Generated<string | null>;
  /** PackageCommands as JSON; null: the defaults of the target's package format. */
  package_commands_json: Generated<string | null>;
}

export interface AgentEnrolmentTokensTable {
  id: string;
  token_sha256: string;
  labels_json: string;
  expires_at: string;
  used_at: string | null;
  used_by: string | null;
  created_at: string;
}

export interface TargetFactsTable {
  target: string;
  facts_json: string;
  reported_at: string;
}

export interface TargetFactChangesTable {
  seq: Generated<number>;
  target: string;
  changes_json: string;
  at: string;
}

export interface ReleasesTable {
  app: string;
  version: string;
  digest: string;
  size_bytes: number;
  manifest_source: string;
  commit_sha: string | null;
  notes: string | null;
  created_at: string;
  /** When retention deleted the archive (the row stays: history names the release); null while it is kept. */
  archive_pruned_at: Generated<string | null>;
}

/** Release evidence (issue 11): a file attached to a release and the summary parsed from it. */
export interface ReleaseEvidenceTable {
  id: string;
  app: string;
  version: string;
  type: string;
  name: string;
  summary_json: string;
  content_base64: string;
  sha256: string;
  size_bytes: number;
  attached_by: string;
  attached_at: string;
}

export interface ReleaseCommitsTable {
  app: string;
  version: string;
  sha: string;
  parents_json: string;
  author_name: string;
  author_email: string;
  committed_at: string;
  subject: string;
}

export interface DeploymentsTable {
  id: string;
  app: string;
  environment: string;
  version: string;
  kind: string;
  state: string;
  reason: string | null;
  plan_json: string | null;
  current_batch: number;
  forced: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** `app/environment` while the deployment is active, else null: a unique index makes it a lock. */
  active_key: string | null;
  cancel_requested_at: string | null;
  /** The client's Idempotency-Key, if it sent one: a retried request finds the deployment it made. */
  idempotency_key: string | null;
  lease_owner: string | null;
  lease_expires_at: string | null;
  /** Fencing token: raised on every claim; every write by the lease holder names it. */
  lease_token: number;
  /** promote | pause | resume | abort, waiting for the engine (a cancel has its own column). */
  control_request: string | null;
  /** A timed pause: when the engine picks the paused deployment up again. */
  resume_at: string | null;
  /** Index in the plan's gates of the next gate to pass. */
  next_gate: Generated<number>;
  /** The change request this deployment implements (protected environments require one). */
  change_id: Generated<string | null>;
  /** A patch rollout's PatchOrder as JSON; null for other kinds. */
  patch_json: Generated<string | null>;
}

export interface TasksTable {
  id: string;
  deployment_id: string;
  target: string;
  batch: number;
  state: string;
  step: string | null;
  step_done: number;
  attempt: number;
  previous_version: string | null;
  error_json: string | null;
  updated_at: string;
}

export interface EventsTable {
  seq: Generated<number>;
  deployment_id: string;
  target: string | null;
  type: string;
  data_json: string;
  at: string;
}

export interface LogsTable {
  seq: Generated<number>;
  deployment_id: string;
  target: string | null;
  step: string | null;
  stream: string;
  text: string;
  at: string;
}

export interface AnalysisMeasurementsTable {
  seq: Generated<number>;
  deployment_id: string;
  /** Index of the gate in the plan (or -1 for the background analysis). */
  gate: number;
  template: string;
  metric: string;
  phase: string;
  value_json: string;
  message: string;
  at: string;
}

/** A person who logs in with a local password; their tokens follow their access. */
export interface UsersTable {
  name: string;
  display_name: string | null;
  /** argon2id PHC string (`$argon2id$v=19$…`); null when the user has no password. */
  password_hash: string | null;
  /** JSON array of group names, which approval policies count. */
  groups_json: Generated<string>;
  /** JSON array of role bindings (core/access/access.ts): `[{"role","apps","environments"}]`; teams add theirs. */
  bindings_json: Generated<string>;
  /** `person`, or `service` (an account CI systems act as: no password, no login, never an approver). */
  kind: Generated<string>;
  disabled_at: string | null;
  created_at: string;
  updated_at: string;
  password_changed_at: string | null;
}

/** Teams: groups of users with role bindings; `sso_groups_json` lists the identity provider's groups that mean membership. */
export interface TeamsTable {
  name: string;
  display_name: string | null;
  sso_groups_json: Generated<string>;
  bindings_json: Generated<string>;
  created_at: string;
  updated_at: string;
}

/** The `gantry serve` nodes sharing this database: who they are now and when they last beat. */
export interface NodesTable {
  id: string;
  /** Changes at every start: leases are owned by `<id>/<boot_id>`. */
  boot_id: string;
  /** Where the node serves, as it was started (for `gantry node list`). */
  url: string | null;
  version: string;
  started_at: string;
  heartbeat_at: string;
  /** Set by an orderly shutdown; null while running (or after a crash). */
  stopped_at: string | null;
}

/** Where each agent's live session is: the node (`<id>/<boot>`) it is connected to. */
export interface AgentPresenceTable {
  agent: string;
  owner: string;
  session_id: string;
  since: string;
}

/** Release archives kept in the database (PostgreSQL), content-addressed, in chunks. */
export interface ArtifactsTable {
  digest: string;
  size_bytes: number;
  chunk_count: number;
  created_at: string;
}

export interface ArtifactChunksTable {
  digest: string;
  seq: number;
  bytes: Buffer;
}

export interface ApiTokensTable {
  id: string;
  token_sha256: string;
  label: string;
  created_at: string;
  /** The person (or service) the token speaks for; approvals and separation of duties use it. */
  user_name: Generated<string>;
  /** That person's groups (JSON array), which approval policies count. */
  groups_json: Generated<string>;
  /** `api`, or `calendar-feed` for a token that can only read the iCalendar feed. */
  scope: Generated<string>;
  /** JSON array of role bindings (core/access/access.ts) the token acts with, within its user's. */
  bindings_json: Generated<string>;
  /** `minted` (POST /tokens, the first admin token, feeds) or `login` (password or single sign-on). */
  origin: Generated<string>;
  expires_at: Generated<string | null>;
  revoked_at: Generated<string | null>;
  last_used_at: Generated<string | null>;
}

/** The audit log: append-only (triggers refuse edits), each record chained to the one before by its hash. */
export interface AuditLogTable {
  seq: number;
  at: string;
  actor: string;
  /** `POST /api/v1/deployments`, or a named action such as `token:create`. */
  action: string;
  /** The resource acted on, as a path (`deployments/d-1`), or `-`. */
  resource: string;
  address: string | null;
  /** `attempted`, then a second record with the HTTP status or error code. */
  outcome: string;
  details_json: string;
  prev_hash: string;
  hash: string;
}

/** One row (id 1): the newest link of the audit chain, so that a cut tail shows. */
export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
}

/** Maintenance and freeze windows: the validated definition as JSON (re-parsable by calendarWindowSchema). */
export interface CalendarWindowsTable {
  name: string;
  kind: string;
  definition_json: string;
  created_at: string;
}

/** A change request and its deployment plan; JSON columns hold the validated parts (see change-requests.repository). */
export interface ChangesTable {
  id: string;
  number: number;
  type: string;
  state: string;
  title: string;
  app: string;
  version: string;
  environment: string;
  release_digest: string;
  requester: string;
  deployer: string | null;
  plan_json: string;
  plan_version: number;
  computed_json: string;
  risk_json: string | null;
  policy_json: string | null;
  /** The planned window in UTC ISO-8601, duplicated from the plan so schedules can be queried. */
  window_start: string | null;
  window_end: string | null;
  deployment_id: string | null;
  evidence_json: string | null;
  review_json: string | null;
  /** Optimistic concurrency: every update names the version it read and raises it. */
  row_version: number;
  created_at: string;
  updated_at: string;
}

/** Each person's decision on a change, bound to the release digest and plan version they saw. */
export interface ChangeApprovalsTable {
  seq: Generated<number>;
  change_id: string;
  by_user: string;
  groups_json: string;
  decision: string;
  release_digest: string;
  plan_version: number;
  comment: string | null;
  at: string;
}

/** The audit of a change: every transition and edit, who did it and when. */
export interface ChangeEventsTable {
  seq: Generated<number>;
  change_id: string;
  type: string;
  from_state: string | null;
  to_state: string | null;
  actor: string;
  data_json: string;
  at: string;
}

/**
 * A secret, encrypted at rest (src/secrets/envelope.ts): the value under its own data key, the data
 * key wrapped by master key `key_id`; every part base64. Unique per app, environment (`*`: all), name.
 */
export interface SecretsTable {
  app: string;
  environment: string;
  name: string;
  ciphertext: string;
  iv: string;
  tag: string;
  wrapped_key: string;
  key_iv: string;
  key_tag: string;
  key_id: string;
  created_at: string;
  updated_at: string;
  updated_by: string;
}

/** The master key in use: a small value encrypted under it, checked at every start (fail closed). */
export interface SecretKeysTable {
  id: string;
  /** Always 1 (unique): one master key at a time. */
  slot: Generated<number>;
  check_ciphertext: string;
  check_iv: string;
  check_tag: string;
  created_at: string;
}

/** An OSV advisory as imported; `record_json` is the whole record (what reports are computed from). */
export interface AdvisoriesTable {
  id: string;
  severity: string;
  published: string | null;
  modified: string;
  record_json: string;
  imported_at: string;
}

/** When a target was first seen affected by an advisory; the row goes when it no longer is. */
export interface ExposureSightingsTable {
  target: string;
  advisory: string;
  first_seen_at: string;
}

/** A compliance policy as applied (core/policy/model.ts `Policy`, as JSON). */
export interface PoliciesTable {
  name: string;
  policy_json: string;
  created_at: string;
  updated_at: string;
}

/** A target's latest result against a policy; `since`: when it entered that state. */
export interface PolicyResultsTable {
  policy: string;
  target: string;
  state: string;
  reasons_json: string;
  since: string;
  evaluated_at: string;
}

/** A change of a target's state against a policy (`from_state` null: its first evaluation). */
export interface PolicyFlipsTable {
  seq: Generated<number>;
  policy: string;
  target: string;
  from_state: string | null;
  to_state: string;
  reasons_json: string;
  at: string;
}

/** A configuration item recorded by hand (issue 9); `lifecycle_dates_json`: when it entered each state. */
export interface CisTable {
  name: string;
  class: string;
  owner: string | null;
  lifecycle: string;
  lifecycle_dates_json: string;
  serial: string | null;
  model: string | null;
  location: string | null;
  purchase_date: string | null;
  warranty_until: string | null;
  cost_centre: string | null;
  description: string | null;
  created_at: string;
  updated_at: string;
}

/** A relationship recorded by hand between two CIs, each as `KIND:NAME`. */
export interface CiRelationshipsTable {
  from_ref: string;
  type: string;
  to_ref: string;
  created_at: string;
}

/** The last drift check of an application's live release on a target (issue 9); the lists are JSON arrays of paths. */
/** What retention keeps: scope `*` is the installation's rules; an application's row overrides its non-null columns. */
export interface RetentionPoliciesTable {
  scope: string;
  keep_releases: number | null;
  keep_release_days: number | null;
  keep_log_days: number | null;
  keep_log_deployments: number | null;
  updated_at: string;
  updated_by: string;
}

export interface DriftChecksTable {
  target: string;
  app: string;
  environment: string;
  version: string;
  state: string;
  changed_json: string;
  added_json: string;
  removed_json: string;
  packages_json: string;
  first_seen_at: string | null;
  checked_at: string;
  unauthorised: number;
  explanation: string | null;
  reason: string | null;
}

/** A notification channel: its definition without credentials, and those sealed (envelope JSON) apart. */
export interface NotificationChannelsTable {
  name: string;
  type: string;
  config_json: string;
  /** SealedSecret as JSON of the credentials object, or null when the channel has none. */
  credentials_json: string | null;
  created_at: string;
  updated_at: string;
}

export interface NotificationSubscriptionsTable {
  name: string;
  channel: string;
  events_json: string;
  apps_json: string;
  environments_json: string;
  minimum_risk: string | null;
  labels_json: string;
  digest_seconds: number;
  created_at: string;
}

/** How far the notification scanner has read a source (`events`, `change_events`, `policy_flips`). */
export interface NotificationCursorsTable {
  source: string;
  position: number | string;
}

/** A once-per key already notified to a subscription (or to a channel, `channel:NAME`). */
export interface NotificationKeysTable {
  subscription: string;
  once_key: string;
  created_at: string;
}

export interface NotificationsTable {
  id: string;
  subscription: string | null;
  channel: string;
  event_type: string;
  subject: string;
  severity: string;
  title: string;
  lines_json: string;
  recipients_json: string;
  /** collecting | pending | delivered | failed */
  state: string;
  digest_key: string | null;
  items_json: string;
  item_count: number;
  attempts: number;
  /** collecting: when the digest closes; pending: when the next attempt is due. */
  next_attempt_at: string | null;
  claim_owner: string | null;
  claim_expires_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

export interface NotificationAttemptsTable {
  seq: Generated<number>;
  notification_id: string;
  at: string;
  delivered: number;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

/** A signed feedback link as minted (issue 10); the nonce is in its token, `uses` counts feedback given through it. */
export interface FeedbackLinksTable {
  nonce: string;
  deployment_id: string;
  audience: string;
  expires_at: string;
  created_by: string;
  created_at: string;
  uses: Generated<number>;
}

/** A rating (1-5) with an optional comment on a deployment; `link_nonce` set when given through a link. */
export interface FeedbackTable {
  id: string;
  app: string;
  version: string;
  environment: string;
  deployment_id: string;
  change_id: string | null;
  link_nonce: string | null;
  rating: number;
  comment: string | null;
  who: string;
  created_at: string;
}

export interface Database {
  applications: ApplicationsTable;
  targets: TargetsTable;
  releases: ReleasesTable;
  release_commits: ReleaseCommitsTable;
  release_evidence: ReleaseEvidenceTable;
  deployments: DeploymentsTable;
  tasks: TasksTable;
  events: EventsTable;
  logs: LogsTable;
  api_tokens: ApiTokensTable;
  agent_enrolment_tokens: AgentEnrolmentTokensTable;
  target_facts: TargetFactsTable;
  target_fact_changes: TargetFactChangesTable;
  analysis_measurements: AnalysisMeasurementsTable;
  calendar_windows: CalendarWindowsTable;
  changes: ChangesTable;
  change_approvals: ChangeApprovalsTable;
  change_events: ChangeEventsTable;
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
  secrets: SecretsTable;
  secret_keys: SecretKeysTable;
  users: UsersTable;
  teams: TeamsTable;
  nodes: NodesTable;
  agent_presence: AgentPresenceTable;
  artifacts: ArtifactsTable;
  artifact_chunks: ArtifactChunksTable;
  advisories: AdvisoriesTable;
  exposure_sightings: ExposureSightingsTable;
  policies: PoliciesTable;
  policy_results: PolicyResultsTable;
  policy_flips: PolicyFlipsTable;
  cis: CisTable;
  ci_relationships: CiRelationshipsTable;
  drift_checks: DriftChecksTable;
  feedback_links: FeedbackLinksTable;
  feedback: FeedbackTable;
  notification_channels: NotificationChannelsTable;
  notification_subscriptions: NotificationSubscriptionsTable;
  notification_cursors: NotificationCursorsTable;
  notification_keys: NotificationKeysTable;
  notifications: NotificationsTable;
  notification_attempts: NotificationAttemptsTable;
  retention_policies: RetentionPoliciesTable;
  incidents: IncidentsTable;
}

/** An incident (`I-<n>`), linked when opened to the deployment (and change) it is attributed to. */
export interface IncidentsTable {
  id: string;
  number: number;
  title: string;
  app: string;
  environment: string;
  priority: string;
  deployment_id: string | null;
  attribution: string;
  attribution_note: string;
  change_id: string | null;
  opened_by: string;
  opened_at: string;
  resolved_by: string | null;
  resolved_at: string | null;
}
