/**
 * The error catalogue. Every failure a user can see has a stable code from this table;
 * codes never change meaning and are never reused. Domain code never sees HTTP: the server
 * maps `kind` to a status, the CLI maps it to an exit code. docs/errors.md documents each
 * code and a test keeps the two in step.
 */
export type ErrorKind = 'invalid' | 'not_found' | 'conflict' | 'forbidden' | 'unauthorized' | 'throttled' | 'unavailable' | 'internal';

export const ERROR_CATALOGUE = {
  REQUEST_INVALID: { kind: 'invalid', title: 'The request is not valid' },
  MANIFEST_INVALID: { kind: 'invalid', title: 'The manifest is not valid' },
  CSV_INVALID: { kind: 'invalid', title: 'The CSV file is not valid; nothing was imported' },
  NAME_INVALID: { kind: 'invalid', title: 'A name or version is not allowed' },
  VARIABLE_MISSING: { kind: 'invalid', title: 'A configuration template uses a variable that has no value' },
  TEMPLATE_INVALID: { kind: 'invalid', title: 'A configuration template cannot be rendered' },
  ARTIFACT_UNSAFE: { kind: 'invalid', title: 'The release archive contains an entry that is not allowed' },
  ARTIFACT_INVALID: { kind: 'invalid', title: 'The release archive cannot be read' },
  EVIDENCE_INVALID: { kind: 'invalid', title: 'The release evidence file cannot be read as its type' },
  GIT_REF_NOT_FOUND: { kind: 'invalid', title: 'The git ref or commit names no commit in the repository' },
  GIT_FAILED: { kind: 'invalid', title: 'git could not read the repository' },
  UNAUTHORIZED: { kind: 'unauthorized', title: 'A valid API token is required' },
  AUTH_RATE_LIMITED: { kind: 'throttled', title: 'Too many failed authentication attempts from this address; wait before trying again' },
  OIDC_LOGIN_FAILED: { kind: 'unauthorized', title: 'Single sign-on did not complete' },
  OIDC_PROVIDER_UNAVAILABLE: { kind: 'unavailable', title: 'The OIDC provider cannot be reached' },
  OIDC_NOT_CONFIGURED: { kind: 'not_found', title: 'Single sign-on is not configured on this server' },
  ENROLMENT_TOKEN_INVALID: { kind: 'unauthorized', title: 'The enrolment token is unknown, used or expired' },
  TARGET_NOT_AGENT: { kind: 'conflict', title: 'The target is not an agent' },
  APP_NOT_FOUND: { kind: 'not_found', title: 'No such application' },
  ENVIRONMENT_NOT_FOUND: { kind: 'not_found', title: 'The application has no such environment' },
  TARGET_NOT_FOUND: { kind: 'not_found', title: 'No such target' },
  RELEASE_NOT_FOUND: { kind: 'not_found', title: 'No such release' },
  EVIDENCE_NOT_FOUND: { kind: 'not_found', title: 'No such release evidence' },
  DEPLOYMENT_NOT_FOUND: { kind: 'not_found', title: 'No such deployment' },
  ROUTE_NOT_FOUND: { kind: 'not_found', title: 'No such API route' },
  WINDOW_NOT_FOUND: { kind: 'not_found', title: 'No such maintenance or freeze window' },
  CHANGE_NOT_FOUND: { kind: 'not_found', title: 'No such change request' },
  TOKEN_NOT_FOUND: { kind: 'not_found', title: 'No such token, or it is already revoked' },
  SECRET_NOT_FOUND: { kind: 'not_found', title: 'No such secret' },
  USER_NOT_FOUND: { kind: 'not_found', title: 'No such user' },
  TEAM_NOT_FOUND: { kind: 'not_found', title: 'No such team' },
  POLICY_NOT_FOUND: { kind: 'not_found', title: 'No such compliance policy' },
  INCIDENT_NOT_FOUND: { kind: 'not_found', title: 'No such incident' },
  CI_NOT_FOUND: { kind: 'not_found', title: 'No such configuration item' },
  ADVISORY_NOT_FOUND: { kind: 'not_found', title: 'No such advisory' },
  NOTIFICATION_CHANNEL_NOT_FOUND: { kind: 'not_found', title: 'No such notification channel' },
  NOTIFICATION_SUBSCRIPTION_NOT_FOUND: { kind: 'not_found', title: 'No such notification subscription' },
  NOTIFICATION_NOT_FOUND: { kind: 'not_found', title: 'No such notification' },
  NOTIFICATION_CHANNEL_IN_USE: { kind: 'conflict', title: 'Subscriptions still send to the notification channel' },
  NOTIFICATION_IN_DELIVERY: { kind: 'conflict', title: 'The notification is still being delivered; redeliver it once it is delivered or failed' },
  NOTIFICATION_CHANNEL_UNREADABLE: { kind: 'internal', title: 'The notification channel credentials cannot be decrypted with this master key' },
  RELEASE_EXISTS: { kind: 'conflict', title: 'That release version already exists and releases are immutable' },
  INCIDENT_RESOLVED: { kind: 'conflict', title: 'The incident is already resolved' },
  RELEASE_ARCHIVE_PRUNED: { kind: 'conflict', title: 'Retention deleted this release’s archive, so it can no longer be deployed' },
  RELEASE_COMMITS_ATTACHED: { kind: 'conflict', title: 'The release already has other commits attached; they are recorded once' },
  TARGET_EXISTS: { kind: 'conflict', title: 'A target with that name already exists' },
  TARGET_IN_USE: { kind: 'conflict', title: 'The target is part of an active deployment' },
  WINDOW_EXISTS: { kind: 'conflict', title: 'A window with that name already exists' },
  USER_EXISTS: { kind: 'conflict', title: 'A user with that name already exists' },
  TEAM_EXISTS: { kind: 'conflict', title: 'A team with that name already exists' },
  CI_EXISTS: { kind: 'conflict', title: 'A configuration item with that name already exists' },
  NO_MATCHING_TARGETS: { kind: 'conflict', title: 'No registered target matches the environment' },
  LIFECYCLE_VIOLATION: { kind: 'conflict', title: 'The release has not succeeded in the previous environment of the lifecycle' },
  NO_PREVIOUS_RELEASE: { kind: 'conflict', title: 'There is no earlier successful release to roll back to' },
  NOTHING_TO_PATCH: { kind: 'conflict', title: 'No target has a package to upgrade for these advisories' },
  NO_LIVE_RELEASE: { kind: 'conflict', title: 'Nothing is live in the environment' },
  DEPLOYMENT_FINISHED: { kind: 'conflict', title: 'The deployment has already finished' },
  DEPLOYMENT_ROLLING_BACK: { kind: 'conflict', title: 'The deployment is rolling back and cannot be cancelled' },
  DEPLOYMENT_NOT_PAUSED: { kind: 'conflict', title: 'The deployment is not paused' },
  CHANGE_STATE_INVALID: { kind: 'conflict', title: 'The change request is not in a state that allows this' },
  CHANGE_MODIFIED: { kind: 'conflict', title: 'The change request was modified at the same time; read it again and retry' },
  CHANGE_NOT_READY: { kind: 'conflict', title: 'The change request is missing something it needs for this step' },
  CHANGE_NOT_AUTHORISED: { kind: 'conflict', title: 'The deployment needs an authorised change request' },
  OUTSIDE_WINDOW: { kind: 'conflict', title: "The current time is outside the change's window" },
  FREEZE_ACTIVE: { kind: 'conflict', title: 'A freeze window is in force' },
  CONFLICT: { kind: 'conflict', title: 'The change conflicts with the calendar' },
  TARGET_UNREACHABLE: { kind: 'unavailable', title: 'The target cannot be reached' },
  HOST_KEY_MISMATCH: { kind: 'forbidden', title: "The SSH host key does not match the known one" },
  PERMISSION_DENIED: { kind: 'forbidden', title: 'The caller is not allowed to do this' },
  FEEDBACK_LINK_INVALID: { kind: 'forbidden', title: 'The feedback link is malformed, altered, cut short or not from this server' },
  FEEDBACK_LINK_EXPIRED: { kind: 'forbidden', title: 'The feedback link has expired' },
  FEEDBACK_LINK_USED_UP: { kind: 'forbidden', title: 'The feedback link has taken all the answers it may' },
  FEEDBACK_RATE_LIMITED: { kind: 'throttled', title: 'Too much feedback from this address lately; wait before sending more' },
  CSRF_REJECTED: { kind: 'forbidden', title: 'A state-changing request with a session cookie lacks CSRF proof or comes from another origin' },
  APPROVER_NOT_ELIGIBLE: { kind: 'forbidden', title: 'The approver is in none of the groups the change needs' },
  SELF_APPROVAL_FORBIDDEN: { kind: 'forbidden', title: 'The requester or deployer of a change cannot approve it' },
  ARTIFACT_DIGEST_MISMATCH: { kind: 'internal', title: 'The artifact on the target does not match its digest' },
  STEP_FAILED: { kind: 'internal', title: 'A deployment step failed on a target' },
  STEP_TIMEOUT: { kind: 'internal', title: 'A deployment step ran past its timeout and was killed' },
  HEALTH_CHECK_FAILED: { kind: 'internal', title: 'The health checks did not pass' },
  TRAFFIC_SWITCH_FAILED: { kind: 'internal', title: 'The load balancer could not be switched; its previous configuration keeps serving' },
  ANALYSIS_FAILED: { kind: 'internal', title: 'A metric analysis failed' },
  DRIFT_CHECK_FAILED: { kind: 'internal', title: 'The files of a release on a target could not be listed for a drift check' },
  INTERRUPTED: { kind: 'internal', title: 'The step was interrupted and could not be resumed' },
  SECRET_UNREADABLE: { kind: 'internal', title: 'A stored secret cannot be decrypted with the master key' },
  MASTER_KEY_INVALID: { kind: 'invalid', title: 'The master key cannot be read or is not the key the secrets were encrypted with' },
  DATA_CORRUPT: { kind: 'internal', title: 'Stored data could not be read' },
  STORE_UNAVAILABLE: { kind: 'unavailable', title: 'The database cannot be reached' },
  WEB_UI_NOT_BUILT: { kind: 'unavailable', title: 'The web UI was not built into this installation' },
  STORE_NOT_EMPTY: { kind: 'conflict', title: 'The store to copy or restore into already holds Gantry data' },
  BACKUP_INVALID: { kind: 'invalid', title: 'The file is not a complete Gantry backup' },
  SCHEMA_MISMATCH: { kind: 'conflict', title: 'The backup or store is at another schema version than this Gantry' },
  INTERNAL: { kind: 'internal', title: 'An unexpected error happened; the server log has the details' },
} as const satisfies Record<string, { kind: ErrorKind; title: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface ErrorDetails {
  /** Where the problem is: a field path, or file:line:column. */
  readonly where?: string;
  readonly [key: string]: unknown;
}

export class GantryError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GantryError';
    this.code = code;
    this.details = details;
  }

  get kind(): ErrorKind {
    return ERROR_CATALOGUE[this.code].kind;
  }
}

export function isGantryError(value: unknown): value is GantryError {
  return value instanceof GantryError;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CATALOGUE, value);
}
