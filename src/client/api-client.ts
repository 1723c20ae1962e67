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
  type QueuedDeploymentDto,
  type ReleaseDto,
  type StatusDto,
  type TargetDto,
  type WindowDto,
} from '../protocol/api.js';
import type { ControlRequest } from '../core/deployment/control.js';
import { streamDeployment, type DeploymentStreamItem, type DeploymentStreamOptions } from './deployment-stream.js';
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

export interface ApiClientOptions {
  /** The server's base URL, e.g. http://127.0.0.1:7400. */
  readonly url: string;
  /** The API token, sent as `Authorization: Bearer …`. */
  readonly token?: string | undefined;
  /** Replaces the global fetch (tests). */
  readonly fetch?: typeof fetch;
}

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

export type ApiClient = ReturnType<typeof createApiClient>;

export function createApiClient(options: ApiClientOptions) {
  const connection: ApiConnection = {
    baseUrl: normaliseBaseUrl(options.url),
    token: options.token?.trim() || undefined,
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
  };

  interface Call<T extends z.ZodType> {
    readonly method: 'GET' | 'POST' | 'DELETE';
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

  async function callNoContent(method: 'DELETE', path: string): Promise<void> {
    const response = await send(connection, buildUrl(connection, path), { method, headers: { accept: 'application/json', ...authHeaders(connection) } });
    if (!response.ok) throw await errorFromResponse(response, `${method} ${path}`);
    await response.body?.cancel();
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
        } as RequestInit);
      } catch (error) {
        throw archiveError ?? error;
      }
      if (archiveError !== undefined) throw archiveError;
      if (!response.ok) throw await errorFromResponse(response, `POST ${path}`);
      return parseBody(response, releaseSchema, `POST ${path}`);
    },

    rollback: (app: string, environment: string): Promise<QueuedDeploymentDto> =>
      call({ method: 'POST', path: api(`/applications/${segment(app)}/environments/${segment(environment)}/rollback`), schema: queuedDeploymentSchema }),

    // ---------- targets ----------
    listTargets: async (): Promise<TargetDto[]> => (await call({ method: 'GET', path: api('/targets'), schema: targetListSchema })).targets,
    addTarget: (request: AddTargetRequest): Promise<TargetDto> => call({ method: 'POST', path: api('/targets'), json: request, schema: targetSchema }),
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

    // ---------- deployments ----------
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
  };
}
