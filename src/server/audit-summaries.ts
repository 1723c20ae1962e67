import type { FastifyRequest } from 'fastify';
import { requireApplication } from '../app/applications.js';
import type { AppDeps } from '../app/app-deps.js';
import { listTokens } from '../app/api-tokens.js';
import { requireChange } from '../app/changes.js';
import { requireDeployment } from '../app/deployments.js';
import { showPolicy } from '../app/policies.js';
import { listSecrets } from '../app/secrets.js';
import { requireTarget } from '../app/targets.js';
import { getTeam } from '../app/teams.js';
import { getUser } from '../app/users.js';
import { showWindow } from '../app/windows.js';
import { EVERYTHING } from '../core/access/access.js';
import {
  summariseApplication,
  summariseChange,
  summariseDeployment,
  summarisePolicy,
  summariseSecret,
  summariseTarget,
  summariseTeam,
  summariseToken,
  summariseUser,
  summariseWindow,
  type ResourceSummary,
} from '../core/audit/resource-summary.js';
import { API_PREFIX } from '../protocol/api.js';
import { fromManifest } from './access.js';

/**
 * Reads the resource a request is about, summarised (resource-summary.ts), or null when it does
 * not exist (a lookup's not_found). `created`: the id the response named, for a resource whose id
 * the request could not know (a new change, deployment or token); undefined before the handler.
 */
type ResourceSummariser = (deps: AppDeps, request: FastifyRequest, created: string | undefined) => Promise<ResourceSummary | null>;

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const param = (request: FastifyRequest, name: string) => text((request.params as Record<string, unknown> | undefined)?.[name]);
const bodyField = (request: FastifyRequest, name: string) => text((request.body as Record<string, unknown> | null | undefined)?.[name]);

/** Summarises what `lookup` finds under `name`; null without a name. */
const named =
  <T>(nameOf: (request: FastifyRequest, created: string | undefined) => string | undefined, lookup: (deps: AppDeps, name: string, request: FastifyRequest) => Promise<T | null>, summarise: (found: T) => ResourceSummary): ResourceSummariser =>
  async (deps, request, created) => {
    const name = nameOf(request, created);
    if (name === undefined) return null;
    const found = await lookup(deps, name, request);
    return found === null ? null : summarise(found);
  };

const byParam = (name: string) => (request: FastifyRequest) => param(request, name);
const byBodyName = (request: FastifyRequest) => bodyField(request, 'name');
const byCreatedId = (_request: FastifyRequest, created: string | undefined) => created;
const actorOf = (request: FastifyRequest) => {
  if (request.actor === null) throw new Error('no caller to read as');
  return request.actor;
};

const target = (nameOf: (request: FastifyRequest) => string | undefined) => named(nameOf, (deps, name) => requireTarget(deps, name), summariseTarget);
const user = (nameOf: (request: FastifyRequest) => string | undefined) => named(nameOf, (deps, name, request) => getUser(deps, actorOf(request), name), summariseUser);
const team = named(byParam('name'), (deps, name, request) => getTeam(deps, actorOf(request), name), summariseTeam);
const tokenById = (idOf: (request: FastifyRequest, created: string | undefined) => string | undefined) =>
  named(idOf, async (deps, id, request) => (await listTokens(deps, actorOf(request))).find((token) => token.id === id) ?? null, summariseToken);
const window = (nameOf: (request: FastifyRequest) => string | undefined) => named(nameOf, async (deps, name) => (await showWindow(deps, name)).window, summariseWindow);
const change = (idOf: (request: FastifyRequest, created: string | undefined) => string | undefined) => named(idOf, (deps, id) => requireChange(deps, id), summariseChange);
const deployment = (idOf: (request: FastifyRequest, created: string | undefined) => string | undefined) => named(idOf, (deps, id) => requireDeployment(deps, id), summariseDeployment);
const secret = named(
  byParam('name'),
  async (deps, name, request) => {
    const environment = bodyField(request, 'environment') ?? text((request.query as Record<string, unknown> | undefined)?.environment) ?? EVERYTHING;
    const entries = await listSecrets(deps, param(request, 'app') ?? '');
    return entries.find((entry) => entry.name === name && entry.environment === environment) ?? null;
  },
  summariseSecret,
);
/** The application a manifest in the body names (the access check read it the same way). */
const application: ResourceSummariser = async (deps, request) => {
  const name = (await fromManifest(request))?.app;
  return name === undefined ? null : summariseApplication(await requireApplication(deps, name));
};

/**
 * The summariser of each audited route that changes one resource, by its route pattern (under
 * the API prefix). The hook reads it before the handler runs and again after a successful answer.
 * A route not listed here is audited without a summary.
 */
const SUMMARISERS: Readonly<Record<string, ResourceSummariser>> = {
  '/targets': target(byBodyName),
  '/targets/:name': target(byParam('name')),
  '/targets/:name/package-commands': target(byParam('name')),
  '/agents/:name/revoke': target(byParam('name')),
  '/users': user(byBodyName),
  '/users/:name': user(byParam('name')),
  '/users/:name/password': user(byParam('name')),
  '/me/password': user((request) => request.actor?.user),
  '/teams': named(byBodyName, (deps, name, request) => getTeam(deps, actorOf(request), name), summariseTeam),
  '/teams/:name': team,
  '/teams/:name/members/:user': team,
  '/tokens': tokenById(byCreatedId),
  '/tokens/:id': tokenById(byParam('id')),
  '/windows': window(byBodyName),
  '/windows/:name': window(byParam('name')),
  '/policies/:name': named(byParam('name'), async (deps, name) => (await showPolicy(deps, name)).policy, summarisePolicy),
  '/applications': application,
  '/applications/:app/secrets/:name': secret,
  '/changes': change(byCreatedId),
  '/changes/:id': change(byParam('id')),
  '/changes/:id/submit': change(byParam('id')),
  '/changes/:id/approve': change(byParam('id')),
  '/changes/:id/reject': change(byParam('id')),
  '/changes/:id/send-back': change(byParam('id')),
  '/changes/:id/cancel': change(byParam('id')),
  '/changes/:id/review': change(byParam('id')),
  '/deployments': deployment(byCreatedId),
  '/deployments/:id/cancel': deployment(byParam('id')),
  '/deployments/:id/:request': deployment(byParam('id')),
};

/** The summariser of the request's route, if it has one. */
export function summariserOf(request: FastifyRequest): ResourceSummariser | undefined {
  const pattern = request.routeOptions.url;
  if (pattern === undefined || !pattern.startsWith(`${API_PREFIX}/`)) return undefined;
  return SUMMARISERS[pattern.slice(API_PREFIX.length)];
}

/** The id a create answered with (`id`, or `deployment.id`), to summarise what it made. */
export function createdIdOf(payload: unknown): string | undefined {
  if (payload === null || typeof payload !== 'object') return undefined;
  const record = payload as Record<string, unknown>;
  const nested = record.deployment;
  return text(record.id) ?? (nested !== null && typeof nested === 'object' ? text((nested as Record<string, unknown>).id) : undefined);
}
