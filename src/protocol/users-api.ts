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

/** The answer to `POST /login`: the token is shown once. */
export const loginResponseSchema = z.object({
  token: z.string(),
  id: z.string(),
  user: z.string(),
  expiresAt: z.string(),
});
export type LoginResponseDto = z.infer<typeof loginResponseSchema>;
