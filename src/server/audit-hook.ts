import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../app/app-deps.js';
import { recordAudit } from '../app/audit.js';
import { API_PREFIX } from '../protocol/api.js';

const MUTATING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** The actor of a public route (agent enrolment) and of a request refused before authentication. */
export const ANONYMOUS_ACTOR = 'anonymous';
/** Bounds on what a request can make us store (a refused body is not validated). */
const MAX_RESOURCE_LENGTH = 1000;
const MAX_BODY_FIELDS = 50;
const MAX_NAME_LENGTH = 100;

function pathOf(request: FastifyRequest): string {
  return (request.url.split('?')[0] ?? '').slice(0, MAX_RESOURCE_LENGTH);
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** true: audited whatever its method (a GET that changes state: the single sign-on callback). */
    audit?: boolean;
  }
}

function isAudited(request: FastifyRequest): boolean {
  return (MUTATING_METHODS.has(request.method) || request.routeOptions.config.audit === true) && pathOf(request).startsWith(`${API_PREFIX}/`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function clip(text: string): string {
  return text.length > MAX_NAME_LENGTH ? `${text.slice(0, MAX_NAME_LENGTH)}…` : text;
}

/**
 * What a record says about the request: the route parameters and the sorted names of the body's
 * top-level fields — never their values (bodies hold tokens, passwords, manifests) and nothing
 * from the query string (the calendar feed carries its token there).
 */
function detailsOf(request: FastifyRequest): { params: Record<string, string>; bodyFields: string[] } {
  const params: Record<string, string> = {};
  if (isPlainObject(request.params)) {
    for (const [name, value] of Object.entries(request.params).slice(0, MAX_BODY_FIELDS)) params[clip(name)] = clip(String(value));
  }
  const bodyFields = isPlainObject(request.body) ? Object.keys(request.body).sort().slice(0, MAX_BODY_FIELDS).map(clip) : [];
  return { params, bodyFields };
}

function entryOf(request: FastifyRequest, outcome: string) {
  return {
    actor: request.actor?.user ?? ANONYMOUS_ACTOR,
    action: `${request.method} ${request.routeOptions.url ?? pathOf(request)}`,
    resource: pathOf(request),
    address: request.ip ?? null,
    outcome,
    details: detailsOf(request),
  };
}

/**
 * Audits every mutating API request (POST, PUT, PATCH, DELETE under /api/v1) in the append-only,
 * hash-chained audit log:
 * - before the handler (after authentication and validation), an `attempted` record; if it cannot
 *   be written the request fails with 503 STORE_UNAVAILABLE and the handler does not run;
 * - after the response, a `status <code>` record (best effort: a failure is logged). A request
 *   refused before the handler (401, 400) gets only this one: that is how refusals are audited.
 */
export function installAuditLog(app: FastifyInstance, deps: AppDeps): void {
  app.addHook('preHandler', async (request) => {
    if (!isAudited(request)) return;
    // Throws STORE_UNAVAILABLE (503 problem+json) when the record cannot be written.
    await recordAudit(deps, entryOf(request, 'attempted'));
  });
  app.addHook('onResponse', async (request, reply) => {
    if (!isAudited(request)) return;
    try {
      await recordAudit(deps, entryOf(request, `status ${reply.statusCode}`));
    } catch (error) {
      request.log.warn({ err: error, status: reply.statusCode }, 'the audit record of a finished request could not be written');
    }
  });
}
