/** Wire shapes of API tokens. The token itself appears once, when it is created; only its hash is kept. */
import { z } from 'zod';
import { roleBindingSchema } from './users-api.js';

export const tokenSchema = z.object({
  id: z.string(),
  label: z.string(),
  /** The person or service it speaks for, and their groups (which approval policies count). */
  user: z.string(),
  groups: z.array(z.string()),
  /** `api`, or `calendar-feed` (reads the iCalendar feed only). */
  scope: z.string(),
  /** `minted` (POST /tokens) or `login` (a password or single sign-on login; a password change revokes these). */
  origin: z.string(),
  /** What it may do: one binding for a minted token, its user's bindings for a login; narrowed to the user's on every request. */
  bindings: z.array(roleBindingSchema),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
});
export type TokenDto = z.infer<typeof tokenSchema>;

export const createdTokenSchema = tokenSchema.extend({
  /** Shown once. */
  token: z.string(),
});
export type CreatedTokenDto = z.infer<typeof createdTokenSchema>;
