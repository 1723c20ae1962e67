import { hash, verify, type Algorithm } from '@node-rs/argon2';
import { z } from 'zod';
import { allows, describeAccess, EVERYTHING, type Access, type Resource } from '../core/access/access.js';
import { accessSchema, roleSchema, scopeListSchema } from '../core/access/access-schema.js';
import type { Permission } from '../core/access/roles.js';
import type { Actor } from '../core/actor.js';
import { GantryError } from '../core/errors.js';
import { nameSchema } from '../core/names.js';
import * as store from '../store/users.repository.js';
import { USER_KINDS, type StoredUser } from '../store/users.repository.js';
import { revokeLoginTokensOf } from '../store/api-tokens.repository.js';
import { createLoginToken, lifetimeMs, type StoredToken } from './api-tokens.js';
import type { AppDeps } from './app-deps.js';
import { parseInput } from './parse-input.js';
import { accessOf, requireUsersPermission, requireWithin } from './teams.js';

export type { StoredUser };

/** A user with what they may do now: their own bindings and their teams'. */
export interface UserView extends StoredUser {
  readonly access: Access;
}

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;
/** A login token lives this long unless asked otherwise, and at most MAX_LOGIN_DAYS. */
const DEFAULT_LOGIN_LIFETIME = '12h';
const MAX_LOGIN_DAYS = 30;

/**
 * argon2id with the OWASP-recommended cost (19 MiB, 2 passes, 1 lane). The parameters are kept
 * in each stored hash, so raising them later still verifies the hashes made with these.
 */
const HASH_OPTIONS = { algorithm: 2 as Algorithm /* Argon2id */, memoryCost: 19_456, timeCost: 2, parallelism: 1 };
/**
 * A hash of a random password nobody knows, made with HASH_OPTIONS: a login for a user who does
 * not exist (or has no password) is checked against it, so it costs the same time as a wrong
 * password and the answer does not tell whether the user exists.
 */
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$aEXnqvL0OsEYEQCvnxB7EA$nMd27HWbGkXWjstzXUwtQF6LURfL1ycRtBVCZiT80DM';

const displayNameSchema = z.string().trim().min(1).max(200);
/** Checked for length and content by checkPassword, with messages that never echo it. */
const passwordField = z.string().max(MAX_PASSWORD_LENGTH, `must be at most ${MAX_PASSWORD_LENGTH} characters`);

/**
 * A user's own access: several `bindings`, or one role on `apps` × `environments` for short (not
 * both). Their teams' bindings come on top.
 */
const ownAccessFields = {
  bindings: accessSchema.optional(),
  role: roleSchema.optional(),
  apps: scopeListSchema.optional(),
  environments: scopeListSchema.optional(),
};

export const createUserSchema = z.strictObject({
  name: nameSchema,
  /** `service`: an account CI systems act as through tokens an admin mints for it; no password, no login, never an approver. */
  kind: z.enum(USER_KINDS as ['person', 'service']).default('person'),
  displayName: displayNameSchema.optional(),
  /** Teams, and other groups approval policies count. */
  groups: z.array(nameSchema).max(50).default([]),
  ...ownAccessFields,
  /** Without one a person cannot log in; an admin can still mint tokens for them. */
  password: passwordField.optional(),
});

/** What an admin may change; anything else (name, kind, passwordHash, createdAt, …) is refused. */
export const updateUserSchema = z.strictObject({
  displayName: displayNameSchema.nullable().optional(),
  groups: z.array(nameSchema).max(50).optional(),
  ...ownAccessFields,
  /** true: their tokens are refused from the next request on, and they cannot log in. */
  disabled: z.boolean().optional(),
});

/**
 * The bindings a request gives, or undefined when it gives none. `role` alone (or with a scope)
 * is one binding, `*` where no scope is given; `bindings` replaces them all.
 */
function requestedBindings(request: { bindings?: Access | undefined; role?: Access[number]['role'] | undefined; apps?: readonly string[] | undefined; environments?: readonly string[] | undefined }): Access | undefined {
  const short = request.role !== undefined || request.apps !== undefined || request.environments !== undefined;
  if (request.bindings !== undefined && short) throw new GantryError('REQUEST_INVALID', 'bindings: give either bindings or role/apps/environments, not both', { where: 'bindings' });
  if (request.bindings !== undefined) return request.bindings;
  if (!short) return undefined;
  if (request.role === undefined) throw new GantryError('REQUEST_INVALID', 'role: a scope (apps, environments) needs the role it binds', { where: 'role' });
  return [{ role: request.role, apps: request.apps ?? [EVERYTHING], environments: request.environments ?? [EVERYTHING] }];
}

export const setPasswordSchema = z.strictObject({ password: passwordField });
export const changeOwnPasswordSchema = z.strictObject({ currentPassword: passwordField, password: passwordField });

export const loginSchema = z.strictObject({
  user: z.string().max(100),
  password: passwordField,
  /** How long the token lives: `12h` (default), at most 30d. */
  expiresIn: z.string().max(20).default(DEFAULT_LOGIN_LIFETIME),
  label: z.string().trim().min(1).max(200).optional(),
  /** true: a web login — the server sets the session cookie and does not show the token. */
  session: z.boolean().default(false),
});

const requirePermission = (actor: Actor, what: string) => requireUsersPermission(actor, what, 'user');

/** Refuses putting a user in teams whose bindings the actor does not hold. */
async function requireTeamsWithin(deps: AppDeps, actor: Actor, groups: readonly string[]): Promise<void> {
  requireWithin(actor, await accessOf(deps, { bindings: [], groups }), 'add a user to teams with', 'groups');
}

async function viewOf(deps: AppDeps, user: StoredUser): Promise<UserView> {
  return { ...user, access: await accessOf(deps, user) };
}

function requirePerson(user: StoredUser, what: string): void {
  if (user.kind === 'service') throw new GantryError('REQUEST_INVALID', `${user.name} is a service account: it has no password and acts only through tokens minted for it (${what})`, { where: 'kind' });
}
/** 12–1024 characters, without the user's own name in it. The message never contains the password. */
function checkPassword(user: string, password: string, where = 'password'): void {
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    throw new GantryError('REQUEST_INVALID', `${where}: must be ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters long`, { where });
  }
  if (password.toLowerCase().includes(user.toLowerCase())) {
    throw new GantryError('REQUEST_INVALID', `${where}: must not contain the user name`, { where });
  }
}

function hashPassword(password: string): Promise<string> {
  return hash(password, HASH_OPTIONS);
}

/** Whether the password matches the hash; a missing hash is checked against the dummy one (same cost) and fails. */
async function passwordMatches(passwordHash: string | null, password: string): Promise<boolean> {
  try {
    const matches = await verify(passwordHash ?? DUMMY_HASH, password);
    return matches && passwordHash !== null;
  } catch {
    // A damaged stored hash: nobody logs in with it.
    return false;
  }
}

async function requireUser(deps: AppDeps, name: string): Promise<StoredUser> {
  const user = await store.findUser(deps.db, name);
  if (!user) throw new GantryError('USER_NOT_FOUND', `there is no user ${name}`, { where: 'name' });
  return user;
}

/** Least privilege unless said otherwise: a person reads everything, a service account does nothing until given a binding. */
const DEFAULT_BINDINGS = { person: [{ role: 'viewer', apps: [EVERYTHING], environments: [EVERYTHING] }], service: [] } as const satisfies Record<StoredUser['kind'], Access>;

export async function createUser(deps: AppDeps, actor: Actor, input: unknown): Promise<UserView> {
  const request = parseInput(createUserSchema, input, '', 'user');
  requirePermission(actor, 'add users');
  const bindings = requestedBindings(request) ?? DEFAULT_BINDINGS[request.kind];
  const groups = [...new Set(request.groups)];
  requireWithin(actor, bindings, 'grant');
  await requireTeamsWithin(deps, actor, groups);
  if (request.password !== undefined) {
    if (request.kind === 'service') throw new GantryError('REQUEST_INVALID', 'password: a service account has no password; mint tokens for it (gantry token create --user NAME)', { where: 'password' });
    checkPassword(request.name, request.password);
  }
  const now = deps.clock.now().toISOString();
  await store.insertUser(deps.db, {
    name: request.name,
    kind: request.kind,
    displayName: request.displayName ?? null,
    groups,
    bindings,
    passwordHash: request.password === undefined ? null : await hashPassword(request.password),
    createdAt: now,
    updatedAt: now,
  });
  return viewOf(deps, await requireUser(deps, request.name));
}

export async function listUsers(deps: AppDeps, actor: Actor): Promise<UserView[]> {
  requirePermission(actor, 'list users');
  return Promise.all((await store.listUsers(deps.db)).map((user) => viewOf(deps, user)));
}

export async function getUser(deps: AppDeps, actor: Actor, name: string): Promise<UserView> {
  requirePermission(actor, 'see users');
  return viewOf(deps, await requireUser(deps, name));
}

/** Changes what is given; a binding or team taken away narrows the user's tokens from their next request. */
export async function updateUser(deps: AppDeps, actor: Actor, name: string, input: unknown): Promise<UserView> {
  const request = parseInput(updateUserSchema, input, '', 'user');
  requirePermission(actor, 'change users');
  const user = await requireUser(deps, name);
  requireWithin(actor, await accessOf(deps, user), 'change a user with');
  const bindings = requestedBindings(request) ?? user.bindings;
  requireWithin(actor, bindings, 'grant');
  const groups = request.groups === undefined ? user.groups : [...new Set(request.groups)];
  await requireTeamsWithin(deps, actor, groups);
  const now = deps.clock.now().toISOString();
  const disabledAt = request.disabled === undefined ? user.disabledAt : request.disabled ? (user.disabledAt ?? now) : null;
  await store.updateUser(deps.db, name, {
    displayName: request.displayName === undefined ? user.displayName : request.displayName,
    groups,
    bindings,
    disabledAt,
    updatedAt: now,
  });
  return viewOf(deps, await requireUser(deps, name));
}

/**
 * Stores the new password's hash and ends the user's logins, but the one making the change: a
 * password changed because it leaked also shuts out whoever logged in with it. Tokens minted for
 * the user (for CI, say) stay; revoke those with DELETE /tokens/:id.
 */
async function setPassword(deps: AppDeps, name: string, password: string, keepTokenId?: string): Promise<void> {
  const hashed = await hashPassword(password);
  const now = deps.clock.now().toISOString();
  await deps.db.transaction().execute(async (trx) => {
    await store.setPasswordHash(trx, name, hashed, now);
    await revokeLoginTokensOf(trx, name, now, keepTokenId);
  });
}

/** An admin sets a user's password (a first one, or a reset). */
export async function setUserPassword(deps: AppDeps, actor: Actor, name: string, input: unknown): Promise<void> {
  const request = parseInput(setPasswordSchema, input, '', 'password');
  requirePermission(actor, 'set passwords');
  const user = await requireUser(deps, name);
  requirePerson(user, 'PUT /users/:name/password');
  requireWithin(actor, await accessOf(deps, user), 'set the password of a user with');
  checkPassword(name, request.password);
  await setPassword(deps, name, request.password);
}

/** A user changes their own password, proving the current one (a wrong one is UNAUTHORIZED, and throttled by the route). */
export async function changeOwnPassword(deps: AppDeps, actor: Actor, input: unknown): Promise<void> {
  const request = parseInput(changeOwnPasswordSchema, input, '', 'password');
  const user = await store.findUser(deps.db, actor.user);
  if (!user) throw new GantryError('USER_NOT_FOUND', `${actor.user} is not a user with a password (a token minted for a name): an admin sets passwords with PUT /users/:name/password`, { where: 'user' });
  requirePerson(user, 'PUT /me/password');
  checkPassword(user.name, request.password);
  if (!(await passwordMatches(await store.findPasswordHash(deps.db, user.name), request.currentPassword))) {
    throw new GantryError('UNAUTHORIZED', 'the current password is wrong', { where: 'currentPassword' });
  }
  await setPassword(deps, user.name, request.password, actor.tokenId);
}

function loginRefused(): GantryError {
  return new GantryError('UNAUTHORIZED', 'the user name or password is wrong, or the user may not log in');
}

/**
 * Checks a user's password and hands out a token with their access as it is now. An unknown
 * user, a wrong password, a disabled user and a user without a password all get the same
 * answer after the same work (one argon2 verification), so the answer says nothing about which.
 */
export async function login(deps: AppDeps, input: unknown): Promise<{ token: string; stored: StoredToken }> {
  const request = parseInput(loginSchema, input, '', 'login');
  const lifetime = lifetimeMs(request.expiresIn, MAX_LOGIN_DAYS);
  // The same queries and one argon2 verification whether or not the user exists.
  const user = await store.findUser(deps.db, request.user);
  const passwordHash = await store.findPasswordHash(deps.db, request.user);
  const matches = await passwordMatches(passwordHash, request.password);
  if (!user || !matches || user.disabledAt !== null || user.kind !== 'person') throw loginRefused();
  return createLoginToken(deps, user, await accessOf(deps, user), { lifetimeMs: lifetime, label: request.label ?? `login of ${user.name}` });
}

/**
 * Refuses work that runs later on a user's behalf (a scheduled change starting by itself) when
 * that user (a person or a service account) has since been disabled or no longer holds the
 * permission there. A name without a user record is not checked here: its token was checked
 * when it asked.
 */
export async function requireUserMayStill(deps: AppDeps, name: string, permission: Permission, resource: Resource, what: string): Promise<void> {
  const user = await store.findUser(deps.db, name);
  if (!user) return;
  if (user.disabledAt !== null) throw new GantryError('PERMISSION_DENIED', `${what}: ${name} has been disabled since`, { where: 'access' });
  const access = await accessOf(deps, user);
  if (!allows(access, permission, resource)) {
    throw new GantryError('PERMISSION_DENIED', `${what}: ${name} (now ${describeAccess(access)}) no longer has the ${permission} permission there`, { where: 'access' });
  }
}
