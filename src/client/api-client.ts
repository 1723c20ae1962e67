/**
 * The typed HTTP client over the Gantry API: one method per route, every answer validated
 * with the protocol schemas. A non-2xx answer is thrown as the GantryError the server raised;
 * a server that cannot be reached at all is an ApiUnreachableError.
 */
import type { Readable } from 'node:stream';
import { z } from 'zod';
import {
  agentTokenSchema,
  API_PREFIX,
  applicationSchema,
  applyResponseSchema,
  calendarSchema,
  deploymentDetailSchema,
  deploymentSchema,
  eventSchema,
  factChangeSchema,
  logLineSchema,
  measurementSchema,
  queuedDeploymentSchema,
  releaseSchema,
  statusSchema,
  targetSchema,
  windowSchema,
  type AddTargetRequest,
  type AddWindowRequest,
  type CalendarDto,
  type CalendarQuery,
  type AgentTokenDto,
  type ApplicationDto,
  type CreateAgentTokenRequest,
  type ApplyRequest,
  type DeploymentDetailDto,
  type DeploymentDto,
  type DeployRequest,
  type EventDto,
  type FactChangeDto,
  type LogLineDto,
  type MeasurementDto,
  type PackageCommandsDto,
  type QueuedDeploymentDto,
  type ReleaseDto,
  type StatusDto,
  type TargetDto,
  type WindowDto,
} from '../protocol/api.js';
import {
  changeEventSchema,
  changeSchema,
  communicationNoticeListSchema,
  conflictSchema,
  freeSlotsSchema,
  type ChangeDto,
  type ChangeEventDto,
  type CommunicationNoticeDto,
  type FreeSlotsDto,
} from '../protocol/changes-api.js';
import { createdTokenSchema, tokenSchema, type CreatedTokenDto, type TokenDto } from '../protocol/tokens-api.js';
import { dashboardSchema, type DashboardDto } from '../protocol/dashboard-api.js';
import {
  policyCheckResponseSchema,
  policyHistorySchema,
  policyListSchema,
  policyResultsSchema,
  policySchema,
  type PolicyCheckResponseDto,
  type PolicyDto,
  type PolicyFlipDto,
  type PolicyInputBody,
  type PolicyResultsDto,
} from '../protocol/policies-api.js';
import { incidentListSchema, incidentSchema, type IncidentDto, type OpenIncidentRequest } from '../protocol/incidents-api.js';
import { doraReportSchema, type DoraQuery, type DoraReportDto } from '../protocol/dora-api.js';
import { feedbackEntrySchema, feedbackLinkSchema, releaseFeedbackSchema, type FeedbackEntryDto, type FeedbackLinkDto, type FeedbackLinkRequest, type FeedbackRequest, type ReleaseFeedbackDto } from '../protocol/feedback-api.js';
import {
  retentionOutcomeSchema,
  retentionPolicySchema,
  retentionPreviewSchema,
  type RetentionOutcomeDto,
  type RetentionPolicyDto,
  type RetentionPolicyInput,
  type RetentionPreviewDto,
} from '../protocol/retention-api.js';
import {
  attachCommitsResponseSchema,
  releaseCommitsSchema,
  releaseNotesSchema,
  type AttachCommitsResponseDto,
  type CommitDto,
  type CommitInput,
  type ReleaseNotesDto,
} from '../protocol/release-notes-api.js';
import { attachEvidenceResponseSchema, evidenceDetailSchema, evidenceListSchema, type AttachEvidenceResponseDto, type EvidenceDetailDto, type EvidenceDto } from '../protocol/release-evidence-api.js';
import {
  ciDetailSchema,
  ciImportResponseSchema,
  ciListSchema,
  ciSchema,
  impactSchema,
  relationshipDeleteSchema,
  relationshipListSchema,
  relationshipPutSchema,
  type CiDetailDto,
  type CiDto,
  type CiImportResponseDto,
  type CiInputBody,
  type ImpactDto,
  type RelationshipDto,
  type RelationshipInput,
} from '../protocol/inventory-api.js';
import { driftListSchema, driftRemediationSchema, type DriftRecordDto, type DriftRemediationDto } from '../protocol/drift-api.js';
import {
  advisoryListSchema,
  complianceSchema,
  exposureListSchema,
  importAdvisoriesResponseSchema,
  patchPlanSchema,
  type AdvisoryDto,
  type ComplianceDto,
  type ExposureRowDto,
  type ImportAdvisoriesRequest,
  type ImportAdvisoriesResponseDto,
  type PatchPlanDto,
  type PatchRolloutRequest,
} from '../protocol/patch-api.js';
import { authMethodsSchema, type AuthMethodsDto, loginResponseSchema, sessionSchema, type SessionDto, teamListSchema, teamSchema, userListSchema, userSchema, type LoginResponseDto, type TeamDto, type UserDto } from '../protocol/users-api.js';
import { nodeListSchema, type NodeDto } from '../protocol/nodes-api.js';
import { secretListSchema, type SecretDto, type SetSecretRequest } from '../protocol/secrets-api.js';
import { auditListSchema, auditVerificationSchema, type AuditListQuery, type AuditRecordDto, type AuditVerificationDto } from '../protocol/audit-api.js';
import type { ChangeState, ChangeType } from '../core/change/change-machine.js';
import type { CloseCode } from '../core/change/evidence.js';
import type { PlanInput } from '../core/change/plan.js';
import type { ControlRequest } from '../core/deployment/control.js';
import { streamDeployment, type DeploymentStreamItem, type DeploymentStreamOptions } from './deployment-stream.js';
import {
  channelListSchema,
  channelSchema,
  channelTestResultSchema,
  notificationDetailSchema,
  notificationListSchema,
  notificationSchema,
  subscriptionListSchema,
  subscriptionSchema,
  type ChannelDto,
  type ChannelTestResultDto,
  type NotificationDetailDto,
  type NotificationDto,
  type NotificationListQuery,
  type SubscriptionDto,
} from '../protocol/notifications-api.js';
import {
  authHeaders,
  buildUrl,
  errorFromResponse,
  normaliseBaseUrl,
  parseBody,
  segment,
  send,
  type ApiConnection,
  type QueryValue,
} from './http.js';

export { ApiUnreachableError, isApiUnreachableError } from './http.js';
export { GantryError, isGantryError } from '../core/errors.js';
export type { DeploymentStreamItem, DeploymentStreamOptions } from './deployment-stream.js';
export type {
  AddTargetRequest,
  AddWindowRequest,
  CalendarDto,
  CalendarOccurrenceDto,
  CalendarQuery,
  AgentTokenDto,
  ApplicationDto,
  CreateAgentTokenRequest,
  ApplyRequest,
  DeploymentDetailDto,
  DeploymentDto,
  DeployRequest,
  EventDto,
  FactChangeDto,
  LogLineDto,
  MeasurementDto,
  QueuedDeploymentDto,
  ReleaseDto,
  StatusDto,
  TargetDto,
  WindowDto,
} from '../protocol/api.js';
export type { Facts } from '../protocol/agent.js';
export type { ChangeDto, ChangeEventDto, CommunicationNoticeDto, FreeSlotsDto } from '../protocol/changes-api.js';
export type { CreatedTokenDto, TokenDto } from '../protocol/tokens-api.js';
export type { NodeDto } from '../protocol/nodes-api.js';
export type { SecretDto, SetSecretRequest } from '../protocol/secrets-api.js';
export type { AuthMethodsDto, LoginResponseDto, RoleBindingDto, SessionDto, TeamDto, UserDto } from '../protocol/users-api.js';
export type { DashboardCellDto, DashboardDto } from '../protocol/dashboard-api.js';
export { ACTIVITY_EVENTS } from '../protocol/dashboard-api.js';
export type { PolicyDto, PolicyFlipDto, PolicyInputBody, PolicyResultRowDto, PolicyResultsDto } from '../protocol/policies-api.js';
export type { IncidentDto, OpenIncidentRequest } from '../protocol/incidents-api.js';
export type { DoraQuery, DoraReportDto } from '../protocol/dora-api.js';
export type { ChannelDto, ChannelTestResultDto, NotificationDetailDto, NotificationDto, NotificationListQuery, SubscriptionDto } from '../protocol/notifications-api.js';
export type { FeedbackEntryDto, FeedbackLinkDto, FeedbackLinkRequest, FeedbackRequest, FeedbackSummaryDto, ReleaseFeedbackDto } from '../protocol/feedback-api.js';
export type { RetentionOutcomeDto, RetentionPolicyDto, RetentionPolicyInput, RetentionPreviewDto } from '../protocol/retention-api.js';
export type { AttachCommitsResponseDto, CommitDto, CommitInput, ReleaseNotesDto } from '../protocol/release-notes-api.js';
export type { AttachEvidenceResponseDto, EvidenceDetailDto, EvidenceDto } from '../protocol/release-evidence-api.js';
export type { CiDetailDto, CiDto, CiImportResponseDto, CiInputBody, ImpactDto, ImpactStepDto, ManualCiDto, RelationshipDto, RelationshipInput } from '../protocol/inventory-api.js';
export type { DriftRecordDto, DriftRemediationDto } from '../protocol/drift-api.js';
export type { AdvisoryDto, ComplianceDto, ExposureRowDto, ImportAdvisoriesResponseDto, PatchPlanDto, PatchRolloutRequest } from '../protocol/patch-api.js';
export type { AuditListQuery, AuditRecordDto, AuditVerificationDto } from '../protocol/audit-api.js';
export type { ChangeState, ChangeType } from '../core/change/change-machine.js';
export type { CloseCode } from '../core/change/evidence.js';
export type { PlanInput } from '../core/change/plan.js';

export interface ApiClientOptions {
  /** The server's base URL, e.g. http://127.0.0.1:7400. */
  readonly url: string;
  /** The API token, sent as `Authorization: Bearer …`. */
  readonly token?: string | undefined;
  /** Replaces the global fetch (tests). */
  readonly fetch?: typeof fetch;
}

/** POST /changes. The plan is what people write (goals, window, owners, …); the server validates it. */
export interface ChangeCreateRequest {
  readonly app: string;
  readonly version: string;
  readonly environment: string;
  /** Default normal. */
  readonly type?: ChangeType | undefined;
  readonly title?: string | undefined;
  readonly plan?: PlanInput | undefined;
}

/** PATCH /changes/:id: what is given replaces what the change had; the plan version goes up. */
export interface ChangeReviseRequest {
  readonly title?: string | undefined;
  /** Another release of the same app. */
  readonly version?: string | undefined;
  /** The whole plan. */
  readonly plan?: PlanInput | undefined;
  /** Only the planned window. */
  readonly window?: { readonly start: string; readonly end: string } | undefined;
}

export interface ChangeListFilter {
  readonly state?: ChangeState | undefined;
  readonly app?: string | undefined;
  readonly environment?: string | undefined;
  readonly limit?: number | undefined;
}

export interface ChangeReviewRequest {
  /** Default: the close code the evidence proposes. */
  readonly closeCode?: CloseCode | undefined;
  readonly notes?: string | undefined;
}

/** POST /tokens (admins only): a token that speaks for `user` in `groups`. */
export interface CreateTokenRequest {
  readonly user: string;
  readonly groups: readonly string[];
  readonly label?: string | undefined;
  /** viewer (default), deployer, approver, release-manager or admin. */
  readonly role?: string | undefined;
  /** Default `["*"]`: every application (environment). */
  readonly apps?: readonly string[] | undefined;
  readonly environments?: readonly string[] | undefined;
  /** Default 90d; at most 366d. */
  readonly expiresIn?: string | undefined;
}

/** One role on applications × environments (`["*"]`, the default, for every one). */
export interface RoleBindingRequest {
  readonly role: string;
  readonly apps?: readonly string[] | undefined;
  readonly environments?: readonly string[] | undefined;
}

/** POST /users (admins): a person (without a password they can only be given tokens), or a service account. */
export interface CreateUserRequest {
  readonly name: string;
  readonly kind?: 'person' | 'service' | undefined;
  readonly displayName?: string | undefined;
  /** Teams, and other groups approval policies count. */
  readonly groups?: readonly string[] | undefined;
  /** Several bindings; or role/apps/environments for one. */
  readonly bindings?: readonly RoleBindingRequest[] | undefined;
  /** viewer (default), deployer, approver, release-manager or admin. */
  readonly role?: string | undefined;
  /** Default `["*"]`: every application (environment). */
  readonly apps?: readonly string[] | undefined;
  readonly environments?: readonly string[] | undefined;
  /** 12 to 1024 characters, not containing the name. */
  readonly password?: string | undefined;
}

/** PATCH /users/:name: what is given replaces what the user had. */
export interface UpdateUserRequest {
  readonly displayName?: string | null | undefined;
  readonly groups?: readonly string[] | undefined;
  readonly bindings?: readonly RoleBindingRequest[] | undefined;
  readonly role?: string | undefined;
  readonly apps?: readonly string[] | undefined;
  readonly environments?: readonly string[] | undefined;
  /** true refuses their tokens from the next request on; false lets them back in. */
  readonly disabled?: boolean | undefined;
}

/** POST /teams and PATCH /teams/:name (what is given replaces what the team had). */
export interface TeamRequest {
  readonly displayName?: string | null | undefined;
  /** Group claims of the identity provider that make a person a member. */
  readonly ssoGroups?: readonly string[] | undefined;
  readonly bindings?: readonly RoleBindingRequest[] | undefined;
}

/** POST /login (no token needed). */
export interface LoginRequest {
  readonly user: string;
  readonly password: string;
  /** Default 12h, at most 30d. */
  readonly expiresIn?: string | undefined;
  readonly label?: string | undefined;
  /** A web login: the token goes into an HttpOnly cookie, the answer carries the CSRF token instead. */
  readonly session?: boolean | undefined;
}

export type ConflictDto = z.infer<typeof conflictSchema>;

export interface ReleaseUpload {
  readonly commit?: string | undefined;
  readonly notes?: string | undefined;
}

const healthSchema = z.object({ status: z.enum(['ok', 'degraded']) }).passthrough();
export type HealthDto = z.infer<typeof healthSchema>;

const applicationListSchema = z.object({ applications: z.array(applicationSchema) });
const releaseListSchema = z.object({ releases: z.array(releaseSchema) });
const targetListSchema = z.object({ targets: z.array(targetSchema) });
const windowListSchema = z.object({ windows: z.array(windowSchema) });
const deploymentListSchema = z.object({ deployments: z.array(deploymentSchema) });
const eventListSchema = z.object({ events: z.array(eventSchema) });
const logListSchema = z.object({ logs: z.array(logLineSchema) });
const measurementListSchema = z.object({ measurements: z.array(measurementSchema) });
const factHistorySchema = z.object({ changes: z.array(factChangeSchema) });
const changeListSchema = z.object({ changes: z.array(changeSchema) });
const changeHistorySchema = z.object({ events: z.array(changeEventSchema) });
const conflictListSchema = z.object({ conflicts: z.array(conflictSchema) });
const feedTokenSchema = z.object({ token: z.string(), path: z.string() });
export type CalendarFeedTokenDto = z.infer<typeof feedTokenSchema>;

export type ApiClient = ReturnType<typeof createApiClient>;

export function createApiClient(options: ApiClientOptions) {
  const connection: ApiConnection = {
    baseUrl: normaliseBaseUrl(options.url),
    token: options.token?.trim() || undefined,
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
  };

  interface Call<T extends z.ZodType> {
    readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
    readonly path: string;
    readonly query?: Record<string, QueryValue>;
    readonly json?: unknown;
    readonly schema: T;
  }

  async function call<T extends z.ZodType>({ method, path, query, json, schema }: Call<T>): Promise<z.output<T>> {
    const what = `${method} ${path}`;
    const response = await send(connection, buildUrl(connection, path, query), {
      method,
      headers: { accept: 'application/json', ...authHeaders(connection), ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
    if (!response.ok) throw await errorFromResponse(response, what);
    return parseBody(response, schema, what);
  }

  async function callNoContent(method: 'POST' | 'PUT' | 'DELETE', path: string, request: { readonly json?: unknown; readonly query?: Record<string, QueryValue> } = {}): Promise<void> {
    const { json, query } = request;
    const response = await send(connection, buildUrl(connection, path, query), {
      method,
      headers: { accept: 'application/json', ...authHeaders(connection), ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
    if (!response.ok) throw await errorFromResponse(response, `${method} ${path}`);
    await response.body?.cancel();
  }

  /** A text answer (Markdown, iCalendar) rather than JSON. */
  async function callText(path: string, accept: string): Promise<string> {
    const response = await send(connection, buildUrl(connection, path), { method: 'GET', headers: { accept, ...authHeaders(connection) } });
    if (!response.ok) throw await errorFromResponse(response, `GET ${path}`);
    return response.text();
  }

  const api = (path: string) => `${API_PREFIX}${path}`;

  return {
    /** The base URL requests go to. */
    url: connection.baseUrl,

    health: (): Promise<HealthDto> => call({ method: 'GET', path: '/healthz', schema: healthSchema }),

    // ---------- applications ----------
    apply: (request: ApplyRequest): Promise<{ application: ApplicationDto; created: boolean }> =>
      call({ method: 'POST', path: api('/applications'), json: request, schema: applyResponseSchema }),
    listApplications: async (): Promise<ApplicationDto[]> => (await call({ method: 'GET', path: api('/applications'), schema: applicationListSchema })).applications,
    getApplication: (app: string): Promise<ApplicationDto> => call({ method: 'GET', path: api(`/applications/${segment(app)}`), schema: applicationSchema }),
    getStatus: (app: string): Promise<StatusDto> => call({ method: 'GET', path: api(`/applications/${segment(app)}/status`), schema: statusSchema }),

    // ---------- releases ----------
    listReleases: async (app: string): Promise<ReleaseDto[]> =>
      (await call({ method: 'GET', path: api(`/applications/${segment(app)}/releases`), schema: releaseListSchema })).releases,

    /**
     * Uploads a release archive (a gzipped tar), streamed: it is never held in memory. If the
     * archive stream fails (e.g. a file cannot be read while packing), that error is thrown,
     * not mistaken for an unreachable server.
     */
    createRelease: async (app: string, version: string, archive: Readable | AsyncIterable<Uint8Array>, upload: ReleaseUpload = {}): Promise<ReleaseDto> => {
      const path = api(`/applications/${segment(app)}/releases/${segment(version)}`);
      let archiveError: unknown;
      async function* body(): AsyncGenerator<Uint8Array> {
        try {
          for await (const chunk of archive) yield chunk as Uint8Array;
        } catch (error) {
          archiveError = error;
          throw error;
        }
      }
      let response: Response;
      try {
        response = await send(connection, buildUrl(connection, path, { commit: upload.commit, notes: upload.notes }), {
          method: 'POST',
          headers: { accept: 'application/json', 'content-type': 'application/gzip', ...authHeaders(connection) },
          body: body(),
          duplex: 'half',
          // Node's fetch streams an async iterable body; the DOM's RequestInit type does not say so.
        } as unknown as RequestInit);
      } catch (error) {
        throw archiveError ?? error;
      }
      if (archiveError !== undefined) throw archiveError;
      if (!response.ok) throw await errorFromResponse(response, `POST ${path}`);
      return parseBody(response, releaseSchema, `POST ${path}`);
    },
    /** Attaches the commits a release brings (read from its repository); once, or again with the same commits. */
    attachReleaseCommits: (app: string, version: string, commits: readonly CommitInput[]): Promise<AttachCommitsResponseDto> =>
      call({ method: 'PUT', path: api(`/applications/${segment(app)}/releases/${segment(version)}/commits`), json: { commits }, schema: attachCommitsResponseSchema }),
    /** The commits a release brought, newest first. */
    getReleaseCommits: async (app: string, version: string): Promise<CommitDto[]> =>
      (await call({ method: 'GET', path: api(`/applications/${segment(app)}/releases/${segment(version)}/commits`), schema: releaseCommitsSchema })).commits,
    /** The commits between what is live in the environment (without one: the previous release) and the release. */
    releaseNotes: (app: string, version: string, query: { environment?: string | undefined } = {}): Promise<ReleaseNotesDto> =>
      call({ method: 'GET', path: api(`/applications/${segment(app)}/releases/${segment(version)}/notes`), query: { environment: query.environment }, schema: releaseNotesSchema }),

    /** Attaches an evidence file (JUnit XML, SARIF, review record, coverage, attestation) to a release. */
    attachReleaseEvidence: async (app: string, version: string, evidence: { readonly type: string; readonly name?: string | undefined; readonly file?: string | undefined; readonly content: Uint8Array<ArrayBuffer> }): Promise<AttachEvidenceResponseDto> => {
      const path = api(`/applications/${segment(app)}/releases/${segment(version)}/evidence`);
      const response = await send(connection, buildUrl(connection, path, { type: evidence.type, name: evidence.name, file: evidence.file }), {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/octet-stream', ...authHeaders(connection) },
        body: evidence.content,
      });
      if (!response.ok) throw await errorFromResponse(response, `POST ${path}`);
      return parseBody(response, attachEvidenceResponseSchema, `POST ${path}`);
    },
    /** The evidence a release carries, with the summary of each. */
    listReleaseEvidence: async (app: string, version: string): Promise<EvidenceDto[]> =>
      (await call({ method: 'GET', path: api(`/applications/${segment(app)}/releases/${segment(version)}/evidence`), schema: evidenceListSchema })).evidence,
    /** One piece of evidence: its summary and the file (base64). */
    getReleaseEvidence: (app: string, version: string, id: string): Promise<EvidenceDetailDto> =>
      call({ method: 'GET', path: api(`/applications/${segment(app)}/releases/${segment(version)}/evidence/${segment(id)}`), schema: evidenceDetailSchema }),

    rollback: (app: string, environment: string): Promise<QueuedDeploymentDto> =>
      call({ method: 'POST', path: api(`/applications/${segment(app)}/environments/${segment(environment)}/rollback`), schema: queuedDeploymentSchema }),

    // ---------- targets ----------
    listTargets: async (): Promise<TargetDto[]> => (await call({ method: 'GET', path: api('/targets'), schema: targetListSchema })).targets,
    addTarget: (request: AddTargetRequest): Promise<TargetDto> => call({ method: 'POST', path: api('/targets'), json: request, schema: targetSchema }),
    /** Asks the machine what it is (OS, disks, packages) and records it as the target's facts. */
    probeTarget: (name: string): Promise<TargetDto> => call({ method: 'POST', path: api(`/targets/${segment(name)}/probe`), schema: targetSchema }),
    setPackageCommands: (name: string, commands: PackageCommandsDto): Promise<TargetDto> =>
      call({ method: 'PUT', path: api(`/targets/${segment(name)}/package-commands`), json: commands, schema: targetSchema }),
    getTarget: (name: string): Promise<TargetDto> => call({ method: 'GET', path: api(`/targets/${segment(name)}`), schema: targetSchema }),
    removeTarget: (name: string): Promise<void> => callNoContent('DELETE', api(`/targets/${segment(name)}`)),
    /** What changed in a target's facts and when, newest first. */
    getFactHistory: async (name: string): Promise<FactChangeDto[]> =>
      (await call({ method: 'GET', path: api(`/targets/${segment(name)}/facts/history`), schema: factHistorySchema })).changes,

    // ---------- agents ----------
    /** A one-time enrolment token (shown once; the server keeps only its hash). */
    createAgentToken: (request: CreateAgentTokenRequest): Promise<AgentTokenDto> => call({ method: 'POST', path: api('/agent-tokens'), json: request, schema: agentTokenSchema }),
    /** Revokes an agent: it is refused from now on and its live session is dropped. */
    revokeAgent: (name: string): Promise<TargetDto> => call({ method: 'POST', path: api(`/agents/${segment(name)}/revoke`), schema: targetSchema }),

    // ---------- maintenance and freeze windows ----------
    listWindows: async (): Promise<WindowDto[]> => (await call({ method: 'GET', path: api('/windows'), schema: windowListSchema })).windows,
    addWindow: (request: AddWindowRequest): Promise<WindowDto> => call({ method: 'POST', path: api('/windows'), json: request, schema: windowSchema }),
    getWindow: (name: string): Promise<WindowDto> => call({ method: 'GET', path: api(`/windows/${segment(name)}`), schema: windowSchema }),
    removeWindow: (name: string): Promise<void> => callNoContent('DELETE', api(`/windows/${segment(name)}`)),
    /** Every opening of every window in [from, to) (defaults: now, 30 days), sorted by start. */
    calendar: (query: CalendarQuery = {}): Promise<CalendarDto> =>
      call({ method: 'GET', path: api('/calendar'), query: { from: query.from, to: query.to, environment: query.environment, app: query.app }, schema: calendarSchema }),

    /** A read-only token for the iCalendar feed (calendar apps subscribe by URL): the feed's path with the token, shown once. */
    createCalendarFeedToken: (): Promise<CalendarFeedTokenDto> => call({ method: 'POST', path: api('/calendar/feed-token'), schema: feedTokenSchema }),

    // ---------- change requests and their plans ----------
    createChange: (request: ChangeCreateRequest): Promise<ChangeDto> => call({ method: 'POST', path: api('/changes'), json: request, schema: changeSchema }),
    listChanges: async (filter: ChangeListFilter = {}): Promise<ChangeDto[]> =>
      (await call({ method: 'GET', path: api('/changes'), query: { state: filter.state, app: filter.app, environment: filter.environment, limit: filter.limit }, schema: changeListSchema })).changes,
    getChange: (id: string): Promise<ChangeDto> => call({ method: 'GET', path: api(`/changes/${segment(id)}`), schema: changeSchema }),
    /** The change's deployment plan as a Markdown document. */
    getPlanMarkdown: (id: string): Promise<string> => callText(api(`/changes/${segment(id)}/plan.md`), 'text/markdown'),
    /** The change's audit trail, oldest first. */
    changeHistory: async (id: string): Promise<ChangeEventDto[]> => (await call({ method: 'GET', path: api(`/changes/${segment(id)}/history`), schema: changeHistorySchema })).events,
    /** What stands in the way of the planned window: freezes, no maintenance window, other changes on the same targets. */
    changeConflicts: async (id: string): Promise<ConflictDto[]> => (await call({ method: 'GET', path: api(`/changes/${segment(id)}/conflicts`), schema: conflictListSchema })).conflicts,
    /** The change's stakeholder notices: what each says, to whom, and when it is due. */
    changeCommunications: async (id: string): Promise<CommunicationNoticeDto[]> =>
      (await call({ method: 'GET', path: api(`/changes/${segment(id)}/communications`), schema: communicationNoticeListSchema })).notices,
    /** Free windows for the change, as long as its planned window or `duration` (`4h`, `90m`). */
    nextSlots: (id: string, duration?: string): Promise<FreeSlotsDto> =>
      call({ method: 'GET', path: api(`/changes/${segment(id)}/next-slots`), query: { duration }, schema: freeSlotsSchema }),
    reviseChange: (id: string, request: ChangeReviseRequest): Promise<ChangeDto> =>
      call({ method: 'PATCH', path: api(`/changes/${segment(id)}`), json: request, schema: changeSchema }),
    submitChange: (id: string): Promise<ChangeDto> => call({ method: 'POST', path: api(`/changes/${segment(id)}/submit`), schema: changeSchema }),
    approveChange: (id: string, comment?: string): Promise<ChangeDto> =>
      call({ method: 'POST', path: api(`/changes/${segment(id)}/approve`), json: { comment }, schema: changeSchema }),
    rejectChange: (id: string, comment?: string): Promise<ChangeDto> =>
      call({ method: 'POST', path: api(`/changes/${segment(id)}/reject`), json: { comment }, schema: changeSchema }),
    sendBackChange: (id: string, comment?: string): Promise<ChangeDto> =>
      call({ method: 'POST', path: api(`/changes/${segment(id)}/send-back`), json: { comment }, schema: changeSchema }),
    cancelChange: (id: string): Promise<ChangeDto> => call({ method: 'POST', path: api(`/changes/${segment(id)}/cancel`), schema: changeSchema }),
    /** The post-implementation review: confirms (or corrects) the proposed close code and closes the change. */
    reviewChange: (id: string, request: ChangeReviewRequest = {}): Promise<ChangeDto> =>
      call({ method: 'POST', path: api(`/changes/${segment(id)}/review`), json: request, schema: changeSchema }),

    // ---------- API tokens ----------
    /** A token that speaks for a person and their groups (admins only). Shown once: the server keeps only its hash. */
    createToken: (request: CreateTokenRequest): Promise<CreatedTokenDto> =>
      call({ method: 'POST', path: api('/tokens'), json: request, schema: createdTokenSchema }),
    listTokens: async (): Promise<TokenDto[]> => (await call({ method: 'GET', path: api('/tokens'), schema: z.object({ tokens: z.array(tokenSchema) }) })).tokens,
    revokeToken: (id: string): Promise<void> => callNoContent('DELETE', api(`/tokens/${segment(id)}`)),

    // ---------- users, login and logout ----------
    /** A token with the user's access (no token needed to call it). Shown once. */
    login: (request: LoginRequest): Promise<LoginResponseDto> => call({ method: 'POST', path: api('/login'), json: request, schema: loginResponseSchema }),
    /** Revokes the token this client calls with. */
    logout: (): Promise<void> => callNoContent('POST', api('/logout')),
    /** How people can sign in (password, single sign-on); needs no credential. */
    authMethods: (): Promise<AuthMethodsDto> => call({ method: 'GET', path: api('/auth/methods'), schema: authMethodsSchema }),
    /** Who the credential speaks for and what it may do (and, for a web session, its CSRF token). */
    session: (): Promise<SessionDto> => call({ method: 'GET', path: api('/session'), schema: sessionSchema }),
    /** Every application × environment the caller may see, with live release, latest deployment and health. */
    dashboard: (): Promise<DashboardDto> => call({ method: 'GET', path: api('/dashboard'), schema: dashboardSchema }),
    /** Imports OSV advisories (checked all before any is stored). */
    importAdvisories: (advisories: ImportAdvisoriesRequest['advisories']): Promise<ImportAdvisoriesResponseDto> =>
      call({ method: 'POST', path: api('/advisories'), json: { advisories }, schema: importAdvisoriesResponseSchema }),
    listAdvisories: async (): Promise<AdvisoryDto[]> => (await call({ method: 'GET', path: api('/advisories'), schema: advisoryListSchema })).advisories,
    /** Targets against advisories (without the ones an advisory does not concern, unless `all`). */
    patchExposure: async (query: { environment?: string | undefined; all?: boolean } = {}): Promise<ExposureRowDto[]> =>
      (await call({ method: 'GET', path: api('/patch/exposure'), query: { environment: query.environment, all: query.all ? 'true' : undefined }, schema: exposureListSchema })).exposure,
    patchCompliance: (): Promise<ComplianceDto> => call({ method: 'GET', path: api('/patch/compliance'), schema: complianceSchema }),
    /** What a patch rollout of the environment would upgrade where (nothing is started). */
    planPatch: (selection: Omit<PatchRolloutRequest, 'change'>): Promise<PatchPlanDto> => call({ method: 'POST', path: api('/patch/plan'), json: selection, schema: patchPlanSchema }),
    /** Starts a patch rollout: one `patch` deployment per application with something to upgrade. */
    startPatchRollout: (request: PatchRolloutRequest): Promise<{ plan: PatchPlanDto; deployments: QueuedDeploymentDto[] }> =>
      call({ method: 'POST', path: api('/patch/rollouts'), json: request, schema: z.object({ plan: patchPlanSchema, deployments: z.array(queuedDeploymentSchema) }) }),
    /** Creates or replaces a compliance policy (evaluated against every target at once). */
    applyPolicy: (name: string, policy: PolicyInputBody): Promise<PolicyDto> => call({ method: 'PUT', path: api(`/policies/${segment(name)}`), json: policy, schema: policySchema }),
    /** Looks at the files and services the policies name (on every target, or one) and evaluates them. */
    checkPolicies: (target?: string): Promise<PolicyCheckResponseDto> => call({ method: 'POST', path: api('/policies/check'), json: target === undefined ? {} : { target }, schema: policyCheckResponseSchema }),
    listPolicies: async (): Promise<PolicyDto[]> => (await call({ method: 'GET', path: api('/policies'), schema: policyListSchema })).policies,
    deletePolicy: (name: string): Promise<void> => callNoContent('DELETE', api(`/policies/${segment(name)}`)),
    /** Every target × policy, and per environment pass / fail / unknown. */
    policyResults: (query: { environment?: string | undefined } = {}): Promise<PolicyResultsDto> =>
      call({ method: 'GET', path: api('/policies/results'), query: { environment: query.environment }, schema: policyResultsSchema }),
    /** A policy's flips, newest first. */
    policyHistory: async (name: string): Promise<PolicyFlipDto[]> => (await call({ method: 'GET', path: api(`/policies/${segment(name)}/history`), schema: policyHistorySchema })).flips,
    // ---------- incidents and DORA metrics ----------
    /** Opens an incident, linked to the deployment named or the latest one finished before it opened. */
    openIncident: (request: OpenIncidentRequest): Promise<IncidentDto> => call({ method: 'POST', path: api('/incidents'), json: request, schema: incidentSchema }),
    resolveIncident: (id: string, at?: string): Promise<IncidentDto> =>
      call({ method: 'POST', path: api(`/incidents/${segment(id)}/resolve`), json: at === undefined ? {} : { at }, schema: incidentSchema }),
    /** Newest first. */
    listIncidents: async (query: { app?: string | undefined; environment?: string | undefined; open?: boolean | undefined } = {}): Promise<IncidentDto[]> =>
      (await call({ method: 'GET', path: api('/incidents'), query: { app: query.app, environment: query.environment, open: query.open === undefined ? undefined : String(query.open) }, schema: incidentListSchema })).incidents,
    /** The four DORA figures with the deployments and commits behind each. */
    doraMetrics: (query: DoraQuery = {}): Promise<DoraReportDto> =>
      call({ method: 'GET', path: api('/metrics/dora'), query: { app: query.app, tier: query.tier, since: query.since, until: query.until, window: query.window }, schema: doraReportSchema }),
    // ---------- notifications ----------
    /** Creates or replaces a channel; credentials go in and never come back (`credentialsSet` names them). */
    saveNotificationChannel: (name: string, channel: Record<string, unknown>): Promise<ChannelDto> => call({ method: 'PUT', path: api(`/notifications/channels/${segment(name)}`), json: channel, schema: channelSchema }),
    listNotificationChannels: async (): Promise<ChannelDto[]> => (await call({ method: 'GET', path: api('/notifications/channels'), schema: channelListSchema })).channels,
    deleteNotificationChannel: (name: string): Promise<void> => callNoContent('DELETE', api(`/notifications/channels/${segment(name)}`)),
    testNotificationChannel: (name: string): Promise<ChannelTestResultDto> => call({ method: 'POST', path: api(`/notifications/channels/${segment(name)}/test`), json: {}, schema: channelTestResultSchema }),
    saveNotificationSubscription: (name: string, subscription: Record<string, unknown>): Promise<SubscriptionDto> =>
      call({ method: 'PUT', path: api(`/notifications/subscriptions/${segment(name)}`), json: subscription, schema: subscriptionSchema }),
    listNotificationSubscriptions: async (): Promise<SubscriptionDto[]> => (await call({ method: 'GET', path: api('/notifications/subscriptions'), schema: subscriptionListSchema })).subscriptions,
    deleteNotificationSubscription: (name: string): Promise<void> => callNoContent('DELETE', api(`/notifications/subscriptions/${segment(name)}`)),
    /** Recent notifications, newest first. */
    listNotifications: async (query: NotificationListQuery = {}): Promise<NotificationDto[]> =>
      (await call({ method: 'GET', path: api('/notifications'), query: { state: query.state, channel: query.channel, subscription: query.subscription, limit: query.limit }, schema: notificationListSchema })).notifications,
    /** A notification with its delivery log. */
    showNotification: (id: string): Promise<NotificationDetailDto> => call({ method: 'GET', path: api(`/notifications/${segment(id)}`), schema: notificationDetailSchema }),
    redeliverNotification: (id: string): Promise<NotificationDto> => call({ method: 'POST', path: api(`/notifications/${segment(id)}/redeliver`), json: {}, schema: notificationSchema }),
    // ---------- feedback ----------
    /** Mints a signed link through which people without an account may rate the deployment. */
    createFeedbackLink: (deploymentId: string, request: FeedbackLinkRequest = {}): Promise<FeedbackLinkDto> =>
      call({ method: 'POST', path: api(`/deployments/${segment(deploymentId)}/feedback-links`), json: request, schema: feedbackLinkSchema }),
    giveFeedback: (deploymentId: string, request: FeedbackRequest): Promise<FeedbackEntryDto> =>
      call({ method: 'POST', path: api(`/deployments/${segment(deploymentId)}/feedback`), json: request, schema: feedbackEntrySchema }),
    /** A release's feedback (in the environments the caller may read) with its summary. */
    releaseFeedback: (app: string, version: string): Promise<ReleaseFeedbackDto> =>
      call({ method: 'GET', path: api(`/applications/${segment(app)}/releases/${segment(version)}/feedback`), schema: releaseFeedbackSchema }),
    // ---------- retention ----------
    getRetentionPolicy: (): Promise<RetentionPolicyDto> => call({ method: 'GET', path: api('/retention/policy'), schema: retentionPolicySchema }),
    /** Replaces the retention policy (installation rules left out keep their value; overrides are exactly these). */
    setRetentionPolicy: (policy: RetentionPolicyInput): Promise<RetentionPolicyDto> => call({ method: 'PUT', path: api('/retention/policy'), json: policy, schema: retentionPolicySchema }),
    /** The dry run: what an apply now would delete, and why the rest is kept. */
    previewRetention: (): Promise<RetentionPreviewDto> => call({ method: 'GET', path: api('/retention/preview'), schema: retentionPreviewSchema }),
    applyRetention: (): Promise<RetentionOutcomeDto> => call({ method: 'POST', path: api('/retention/apply'), json: {}, schema: retentionOutcomeSchema }),
    // ---------- inventory ----------
    /** Configuration items: discovered targets, applications and environments, and manual CIs. */
    listCis: async (query: { kind?: string | undefined; class?: string | undefined; lifecycle?: string | undefined } = {}): Promise<CiDto[]> =>
      (await call({ method: 'GET', path: api('/cis'), query: { kind: query.kind, class: query.class, lifecycle: query.lifecycle }, schema: ciListSchema })).cis,
    /** A CI by `KIND:NAME` (or a manual CI by its name), with its relationships. */
    getCi: (ref: string): Promise<CiDetailDto> => call({ method: 'GET', path: api(`/cis/${segment(ref)}`), schema: ciDetailSchema }),
    /** Creates a manual CI; refused (CI_EXISTS) when the name is taken. */
    createCi: (ci: CiInputBody): Promise<CiDto> => call({ method: 'POST', path: api('/cis'), json: ci, schema: ciSchema }),
    /** Creates or replaces a manual CI. */
    putCi: (name: string, ci: CiInputBody): Promise<CiDto> => call({ method: 'PUT', path: api(`/cis/${segment(name)}`), json: ci, schema: ciSchema }),
    deleteCi: (name: string): Promise<void> => callNoContent('DELETE', api(`/cis/${segment(name)}`)),
    /** Upserts the CSV's manual CIs by name, all or nothing. */
    importCis: (file: string, csv: string): Promise<CiImportResponseDto> => call({ method: 'POST', path: api('/cis/import'), json: { file, csv }, schema: ciImportResponseSchema }),
    exportCis: (): Promise<string> => callText(api('/cis/export'), 'text/csv'),
    listRelationships: async (ci?: string): Promise<RelationshipDto[]> => (await call({ method: 'GET', path: api('/relationships'), query: { ci }, schema: relationshipListSchema })).relationships,
    /** Records a relationship (again: nothing changes, `created` false). */
    relate: (relationship: RelationshipInput): Promise<{ relationship: RelationshipDto; created: boolean }> =>
      call({ method: 'PUT', path: api('/relationships'), json: relationship, schema: relationshipPutSchema }),
    unrelate: async (relationship: RelationshipInput): Promise<boolean> =>
      (await call({ method: 'DELETE', path: api('/relationships'), query: { ...relationship }, schema: relationshipDeleteSchema })).removed,
    /** If the CI changes or fails, what is affected (with the path), and the open changes touching it. */
    impact: (ci: string, depth?: number): Promise<ImpactDto> => call({ method: 'GET', path: api('/impact'), query: { ci, depth }, schema: impactSchema }),
    /** The results of the last drift checks (of the targets' live releases). */
    listDrift: async (query: { environment?: string | undefined; target?: string | undefined } = {}): Promise<DriftRecordDto[]> =>
      (await call({ method: 'GET', path: api('/drift'), query: { environment: query.environment, target: query.target }, schema: driftListSchema })).drift,
    /** Checks drift now on the targets in scope (all the caller may deploy to when none is named). */
    checkDrift: async (scope: { environment?: string | undefined; target?: string | undefined } = {}): Promise<DriftRecordDto[]> =>
      (await call({ method: 'POST', path: api('/drift/check'), json: { ...(scope.environment ? { environment: scope.environment } : {}), ...(scope.target ? { target: scope.target } : {}) }, schema: driftListSchema })).drift,
    /** Redeploys the live release of every drifted application in the environment or on the target. */
    remediateDrift: (scope: { environment?: string | undefined; target?: string | undefined }): Promise<DriftRemediationDto> =>
      call({ method: 'POST', path: api('/drift/remediate'), json: { ...(scope.environment ? { environment: scope.environment } : {}), ...(scope.target ? { target: scope.target } : {}) }, schema: driftRemediationSchema }),
    /** Where `GET /activity` (Server-Sent Events of deployments that move) is. */
    activityUrl: (): string => buildUrl(connection, api('/activity')),
    createUser: (request: CreateUserRequest): Promise<UserDto> => call({ method: 'POST', path: api('/users'), json: request, schema: userSchema }),
    listUsers: async (): Promise<UserDto[]> => (await call({ method: 'GET', path: api('/users'), schema: userListSchema })).users,
    getUser: (name: string): Promise<UserDto> => call({ method: 'GET', path: api(`/users/${segment(name)}`), schema: userSchema }),
    updateUser: (name: string, request: UpdateUserRequest): Promise<UserDto> => call({ method: 'PATCH', path: api(`/users/${segment(name)}`), json: request, schema: userSchema }),
    /** An admin sets (or resets) a user's password. */
    setUserPassword: (name: string, password: string): Promise<void> => callNoContent('PUT', api(`/users/${segment(name)}/password`), { json: { password } }),
    /** The caller changes their own password, proving the current one. */
    changeOwnPassword: (currentPassword: string, password: string): Promise<void> => callNoContent('PUT', api('/me/password'), { json: { currentPassword, password } }),

    // ---------- nodes ----------
    listNodes: async (): Promise<NodeDto[]> => (await call({ method: 'GET', path: api('/nodes'), schema: nodeListSchema })).nodes,

    // ---------- teams ----------
    createTeam: (name: string, request: TeamRequest): Promise<TeamDto> => call({ method: 'POST', path: api('/teams'), json: { name, ...request }, schema: teamSchema }),
    listTeams: async (): Promise<TeamDto[]> => (await call({ method: 'GET', path: api('/teams'), schema: teamListSchema })).teams,
    getTeam: (name: string): Promise<TeamDto> => call({ method: 'GET', path: api(`/teams/${segment(name)}`), schema: teamSchema }),
    updateTeam: (name: string, request: TeamRequest): Promise<TeamDto> => call({ method: 'PATCH', path: api(`/teams/${segment(name)}`), json: request, schema: teamSchema }),
    deleteTeam: (name: string): Promise<void> => callNoContent('DELETE', api(`/teams/${segment(name)}`)),
    /** Puts the user in the team (member true) or takes them out. */
    setTeamMember: (team: string, user: string, member: boolean): Promise<TeamDto> =>
      call({ method: member ? 'PUT' : 'DELETE', path: api(`/teams/${segment(team)}/members/${segment(user)}`), schema: teamSchema }),

    // ---------- secrets (write-only: no call returns a value) ----------
    /** Stores a secret for one environment, or for every one (`*`, the default). */
    setSecret: (app: string, name: string, request: SetSecretRequest): Promise<void> =>
      callNoContent('PUT', api(`/applications/${segment(app)}/secrets/${segment(name)}`), { json: request }),
    listSecrets: async (app: string): Promise<SecretDto[]> => (await call({ method: 'GET', path: api(`/applications/${segment(app)}/secrets`), schema: secretListSchema })).secrets,
    removeSecret: (app: string, name: string, environment?: string): Promise<void> =>
      callNoContent('DELETE', api(`/applications/${segment(app)}/secrets/${segment(name)}`), { query: { environment } }),

    // ---------- deployments ----------
    /** `change` names the change request the deployment implements (in a protected environment, the open scheduled one when omitted). */
    deploy: (request: DeployRequest): Promise<QueuedDeploymentDto> => call({ method: 'POST', path: api('/deployments'), json: request, schema: queuedDeploymentSchema }),
    listDeployments: async (filter: { app?: string | undefined; limit?: number | undefined } = {}): Promise<DeploymentDto[]> =>
      (await call({ method: 'GET', path: api('/deployments'), query: { app: filter.app, limit: filter.limit }, schema: deploymentListSchema })).deployments,
    getDeployment: (id: string): Promise<DeploymentDetailDto> => call({ method: 'GET', path: api(`/deployments/${segment(id)}`), schema: deploymentDetailSchema }),
    cancelDeployment: (id: string): Promise<DeploymentDto> => call({ method: 'POST', path: api(`/deployments/${segment(id)}/cancel`), schema: deploymentSchema }),
    /** promote | pause | resume | abort: the engine acts at the next batch boundary (an abort at once). */
    controlDeployment: (id: string, request: ControlRequest): Promise<DeploymentDto> =>
      call({ method: 'POST', path: api(`/deployments/${segment(id)}/${request}`), schema: deploymentSchema }),
    /** One page of events after `after` (the server caps a page; call again with the last seq). */
    listEvents: async (id: string, after = 0): Promise<EventDto[]> =>
      (await call({ method: 'GET', path: api(`/deployments/${segment(id)}/events`), query: { after }, schema: eventListSchema })).events,
    /** One page of analysis measurements after `after` (1000 at most; call again with the last seq). */
    listMeasurements: async (id: string, after = 0): Promise<MeasurementDto[]> =>
      (await call({ method: 'GET', path: api(`/deployments/${segment(id)}/measurements`), query: { after }, schema: measurementListSchema })).measurements,
    /** One page of log lines after `after` (the server caps a page; call again with the last seq). */
    listLogs: async (id: string, after = 0): Promise<LogLineDto[]> =>
      (await call({ method: 'GET', path: api(`/deployments/${segment(id)}/logs`), query: { after }, schema: logListSchema })).logs,

    /**
     * Follows a deployment live (Server-Sent Events): progress events, log lines, then its
     * final state. Reconnects after a dropped connection, resuming after the last seen seqs.
     */
    streamDeployment: (id: string, streamOptions: DeploymentStreamOptions = {}): AsyncGenerator<DeploymentStreamItem, void, undefined> =>
      streamDeployment(connection, api(`/deployments/${segment(id)}/stream`), streamOptions),

    // ---------- audit log ----------
    /**
     * One page of the audit log (at most 1000 records): oldest first after seq `after` (call
     * again with the last seq), or with `order: 'desc'` newest first before seq `before` (call
     * again with the smallest seq); filtered by `actor`, `action` (exact) and `from` ≤ at < `until`.
     */
    listAudit: async (query: AuditListQuery = {}): Promise<AuditRecordDto[]> =>
      (
        await call({
          method: 'GET',
          path: api('/audit'),
          query: { after: query.after, before: query.before, order: query.order, actor: query.actor, action: query.action, from: query.from, until: query.until, limit: query.limit },
          schema: auditListSchema,
        })
      ).records,
    /** Checks the audit log's hash chain and head; `ok: false` names the first broken link. */
    verifyAudit: (): Promise<AuditVerificationDto> => call({ method: 'GET', path: api('/audit/verify'), schema: auditVerificationSchema }),
    /** The whole audit log as NDJSON text, one record a line, oldest first. */
    exportAudit: (): Promise<string> => callText(api('/audit/export'), 'application/x-ndjson'),
  };
}
