/** Wire shapes of users and logins. A user's password hash never leaves the server. */
import { z } from 'zod';

/** One role on applications × environments; `["*"]` for every one. */
export const roleBindingSchema = z.object({
  role: z.string(),
  apps: z.array(z.string()),
  environments: z.array(z.string()),
});
export type RoleBindingDto = z.infer<typeof roleBindingSchema>;

export const userSchema = z.object({
  name: z.string(),
  /** `person`, or `service`: an account CI systems act as (no password, no login, never an approver). */
  kind: z.enum(['person', 'service']),
  displayName: z.string().nullable(),
  /** Their teams, and other groups approval policies count. */
  groups: z.array(z.string()),
  /** Their own role bindings. */
  bindings: z.array(roleBindingSchema),
  /** What they may do now: their own bindings and their teams'. Every token of theirs is narrowed to it on each request. */
  access: z.array(roleBindingSchema),
  /** Whether they can log in with a password. */
  hasPassword: z.boolean(),
  disabledAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  passwordChangedAt: z.string().nullable(),
});
export type UserDto = z.infer<typeof userSchema>;

export const userListSchema = z.object({ users: z.array(userSchema) });

/** `GET /auth/methods`: how people can sign in here (public: the login page asks). */
export const authMethodsSchema = z.object({ password: z.boolean(), oidc: z.boolean() });
export type AuthMethodsDto = z.infer<typeof authMethodsSchema>;

/**
 * The answer to `POST /login`: the token is shown once. A web login (`session: true`) gets no
 * token (it is in the HttpOnly session cookie, out of reach of scripts) but the CSRF token its
 * page sends with state-changing requests.
 */
export const loginResponseSchema = z.object({
  token: z.string().optional(),
  id: z.string(),
  user: z.string(),
  expiresAt: z.string(),
  csrfToken: z.string().optional(),
});
export type LoginResponseDto = z.infer<typeof loginResponseSchema>;

/** The answer to `GET /session`: who the credential speaks for, and what it may do now. */
export const sessionSchema = z.object({
  user: z.string(),
  groups: z.array(z.string()),
  /** What this credential may do now (its own bindings narrowed to its user's). */
  access: z.array(roleBindingSchema),
  /** How the request was authenticated: the web session cookie or an `Authorization: Bearer` token. */
  authenticatedBy: z.enum(['session', 'bearer']),
  /** For a session: what to send in `X-CSRF-Token` with POST, PUT, PATCH and DELETE. */
  csrfToken: z.string().optional(),
});
export type SessionDto = z.infer<typeof sessionSchema>;

/** A team: a group of users with role bindings. */
export const teamSchema = z.object({
  name: z.string(),
  displayName: z.string().nullable(),
  /** Group claims of the identity provider that make a person a member. */
  ssoGroups: z.array(z.string()),
  bindings: z.array(roleBindingSchema),
  /** Users whose groups name the team. */
  members: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type TeamDto = z.infer<typeof teamSchema>;

export const teamListSchema = z.object({ teams: z.array(teamSchema) });
