import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../app/app-deps.js';
import { recordAudit } from '../app/audit.js';
import type { ResourceChange, ResourceSummary } from '../core/audit/resource-summary.js';
import { isGantryError } from '../core/errors.js';
import { API_PREFIX } from '../protocol/api.js';
import { createdIdOf, summariserOf } from './audit-summaries.js';
import { RefusalBudget, type RefusalBudgetOptions } from './refusal-budget.js';

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

/** Statuses of a refusal that is audited whatever the method: not authenticated, forbidden, throttled. */
const REFUSED_STATUSES = new Set([401, 403, 429]);

const isApiRequest = (request: FastifyRequest) => pathOf(request).startsWith(`${API_PREFIX}/`);

function isAudited(request: FastifyRequest): boolean {
  return (MUTATING_METHODS.has(request.method) || request.routeOptions.config.audit === true) && isApiRequest(request);
}

/** Refused reads are audited too (T31): probing what one may not see leaves a trace. */
const isAuditedRefusal = (request: FastifyRequest, status: number) => REFUSED_STATUSES.has(status) && isApiRequest(request);

/** How many refused requests get a record: per caller and in all, per minute. */
export const DEFAULT_REFUSAL_BUDGET: Omit<RefusalBudgetOptions, 'now'> = { perCaller: 30, total: 300, windowMs: 60_000, maxCallers: 1000 };

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

function entryOf(request: FastifyRequest, outcome: string, more: Record<string, unknown> = {}) {
  return {
    actor: request.actor?.user ?? ANONYMOUS_ACTOR,
    action: `${request.method} ${request.routeOptions.url ?? pathOf(request)}`,
    resource: pathOf(request),
    address: request.ip ?? null,
    outcome,
    details: { ...detailsOf(request), ...more },
  };
}

/** What the audit hook keeps about a request between its hooks. */
interface AuditedRequest {
  /** The resource before the handler ran; undefined when it could not be read. */
  before?: ResourceSummary | null | undefined;
  /** The id the response named (a create's new change, deployment or token). */
  created?: string | undefined;
}

/** The route's summary of its resource now; null if it does not exist, undefined if it could not be read (logged). */
async function summaryNow(deps: AppDeps, request: FastifyRequest, created: string | undefined): Promise<ResourceSummary | null | undefined> {
  const summarise = summariserOf(request);
  if (!summarise) return undefined;
  try {
    return await summarise(deps, request, created);
  } catch (error) {
    if (isGantryError(error) && error.kind === 'not_found') return null;
    request.log.warn({ err: error }, 'the resource could not be summarised for the audit log');
    return undefined;
  }
}

/**
 * Audits every mutating API request (POST, PUT, PATCH, DELETE under /api/v1) in the append-only,
 * hash-chained audit log:
 * - before the handler (after authentication, validation and access control), an `attempted`
 *   record; if it cannot be written the request fails with 503 STORE_UNAVAILABLE and the handler
 *   does not run;
 * - after the response, a `status <code>` record (best effort: a failure is logged). On success it
 *   holds `change: { before, after }`, a small summary of the resource the route changed
 *   (audit-summaries.ts: read before the handler and again after it; null: absent).
 * A request refused before its handler (401, 403, 400, 429 — of any method for 401, 403 and 429, so
 * refused reads too) gets only the status record, within a budget per caller (RefusalBudget), so
 * that a flood of refusals cannot fill the store; the record says how many were left out before it.
 */
export function installAuditLog(app: FastifyInstance, deps: AppDeps, budget: Omit<RefusalBudgetOptions, 'now'> = DEFAULT_REFUSAL_BUDGET): void {
  const refusals = new RefusalBudget({ ...budget, now: () => deps.clock.now().getTime() });
  /** Requests whose handler was let run (their `attempted` record is written). */
  const handled = new WeakMap<FastifyRequest, AuditedRequest>();

  app.addHook('preHandler', async (request) => {
    if (!isAudited(request)) return;
    const state: AuditedRequest = { before: await summaryNow(deps, request, undefined) };
    // Throws STORE_UNAVAILABLE (503 problem+json) when the record cannot be written.
    await recordAudit(deps, entryOf(request, 'attempted'));
    handled.set(request, state);
  });
  app.addHook('preSerialization', async (request, _reply, payload) => {
    const state = handled.get(request);
    if (state) state.created = createdIdOf(payload);
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    const status = reply.statusCode;
    const state = handled.get(request);
    let more: Record<string, unknown> = {};
    if (state) {
      if (status < 400 && state.before !== undefined) {
        const after = await summaryNow(deps, request, state.created);
        if (after !== undefined) more = { change: { before: state.before, after } satisfies ResourceChange };
      }
    } else {
      if (!isAudited(request) && !isAuditedRefusal(request, status)) return;
      const allowed = refusals.take(request.actor?.user ?? `${ANONYMOUS_ACTOR}@${request.ip}`);
      if (allowed === null) return;
      if (allowed.unrecorded > 0) more = { unrecordedRefusals: allowed.unrecorded };
    }
    try {
      await recordAudit(deps, entryOf(request, `status ${status}`, more));
    } catch (error) {
      request.log.warn({ err: error, status }, 'the audit record of a finished request could not be written');
    }
  });
}
