import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireChange } from '../app/changes.js';
import { requireDeployment } from '../app/deployments.js';
import { allows, coversEverything, describeRoles, type Resource } from '../core/access/access.js';
import type { Permission } from '../core/access/roles.js';
import type { Actor } from '../core/actor.js';
import { GantryError, isGantryError } from '../core/errors.js';
import { parseManifest } from '../core/manifest/parse-manifest.js';
import { actorOf } from './auth.js';
import type { ServerContext } from './server-context.js';

/**
 * Every route declares who may call it, in its `config.access`: `public` (it checks its own
 * credential), or the permission it needs and how to find the application and environment it
 * touches. A route that declares nothing is refused: access fails closed. A scoped caller gets
 * the same answer for a resource outside its scope and for one that does not exist, so it
 * cannot probe for what it may not see.
 */
export type ResourceOf = (request: FastifyRequest) => Promise<Resource | null>;
export type RouteAccess = 'public' | { readonly permission: Permission; readonly resource?: ResourceOf };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

export const PUBLIC: { access: RouteAccess } = { access: 'public' };

/** Route options' `config`: the permission, and where the resource is (none: a listing, filtered by the route). */
export function needs(permission: Permission, resource?: ResourceOf): { access: RouteAccess } {
  return { access: resource ? { permission, resource } : { permission } };
}

const field = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** `:app` (and `:environment`) in the path. */
export const fromParams: ResourceOf = async (request) => {
  const params = request.params as Record<string, unknown>;
  return { app: field(params.app), environment: field(params.environment) };
};

/** `app` and `environment` in the body. */
export const fromBody: ResourceOf = async (request) => {
  const body = (request.body ?? {}) as Record<string, unknown>;
  return { app: field(body.app), environment: field(body.environment) };
};

/** The application a manifest in the body names; a manifest that cannot be read names none (the route refuses it). */
export const fromManifest: ResourceOf = async (request) => {
  const manifest = field((request.body as Record<string, unknown> | undefined)?.manifest);
  try {
    return manifest === undefined ? {} : { app: parseManifest(manifest).app };
  } catch {
    return {};
  }
};

/** Null when the lookup says the resource does not exist. */
async function orNull(lookup: () => Promise<Resource>): Promise<Resource | null> {
  try {
    return await lookup();
  } catch (error) {
    if (isGantryError(error) && error.kind === 'not_found') return null;
    throw error;
  }
}

export const deploymentById =
  (context: ServerContext): ResourceOf =>
  (request) =>
    orNull(async () => requireDeployment(context.app, (request.params as { id: string }).id));

export const changeById =
  (context: ServerContext): ResourceOf =>
  (request) =>
    orNull(async () => {
      const change = await requireChange(context.app, (request.params as { id: string }).id);
      return { app: change.computed.app, environment: change.computed.environment };
    });

function denied(actor: Actor, permission: Permission): GantryError {
  return new GantryError('PERMISSION_DENIED', `${actor.user} (${describeRoles(actor.access)}) may not ${permission} here, or it does not exist`, { where: 'access' });
}

/** Refuses the caller unless they may `permission` on the resource, as the route check does (no oracle). */
export function requireAllowed(actor: Actor, permission: Permission, resource: Resource): void {
  if (!allows(actor.access, permission, resource)) throw denied(actor, permission);
}

/** Whether the caller may `permission` on the resource; for filtering listings. */
export function mayAccess(request: FastifyRequest, permission: Permission, resource: Resource): boolean {
  return allows(actorOf(request).access, permission, resource);
}

/** A route and what it declared, as collected when it was added. */
export interface DeclaredRoute {
  readonly method: string;
  readonly url: string;
  readonly access: RouteAccess | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route with its declared access (HEAD twins of GET routes left out). */
    declaredRoutes: DeclaredRoute[];
  }
}

/** Enforces each route's declared access after authentication and validation, before its handler. */
export function installAccessControl(app: FastifyInstance): void {
  const declared: DeclaredRoute[] = [];
  app.decorate('declaredRoutes', declared);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') declared.push({ method, url: route.url, access: route.config?.access });
    }
  });
  app.addHook('preHandler', async (request) => {
    const access = request.routeOptions.config.access;
    // No such route: the not-found handler answers (to an authenticated caller) ROUTE_NOT_FOUND.
    if (access === 'public' || request.is404) return;
    if (access === undefined) {
      throw new GantryError('PERMISSION_DENIED', `${request.routeOptions.url ?? request.url} declares no permission, so nobody may call it`, { where: 'access' });
    }
    const actor = actorOf(request);
    if (!allows(actor.access, access.permission)) throw denied(actor, access.permission);
    if (!access.resource) return;
    const resource = await access.resource(request);
    // Not found: only a caller who may see everything learns that (from the route's own 404).
    if (resource === null ? !coversEverything(actor.access) : !allows(actor.access, access.permission, resource)) throw denied(actor, access.permission);
  });
}
