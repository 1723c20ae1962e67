/** Wire shapes of users and logins. A user's password hash never leaves the server. */
import { z } from 'zod';

export const userSchema = z.object({
  name: z.string(),
  displayName: z.string().nullable(),
  /** Which approval policies count them. */
  groups: z.array(z.string()),
  /** Their access; every token of theirs is narrowed to it on each request. */
  role: z.string(),
  /** `["*"]` for every one. */
  apps: z.array(z.string()),
  environments: z.array(z.string()),
  /** Whether they can log in with a password. */
  hasPassword: z.boolean(),
  disabledAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  passwordChangedAt: z.string().nullable(),
});
export type UserDto = z.infer<typeof userSchema>;

export const userListSchema = z.object({ users: z.array(userSchema) });

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
  role: z.string(),
  /** `["*"]` for every one. */
  apps: z.array(z.string()),
  environments: z.array(z.string()),
  /** How the request was authenticated: the web session cookie or an `Authorization: Bearer` token. */
  authenticatedBy: z.enum(['session', 'bearer']),
  /** For a session: what to send in `X-CSRF-Token` with POST, PUT, PATCH and DELETE. */
  csrfToken: z.string().optional(),
});
export type SessionDto = z.infer<typeof sessionSchema>;
