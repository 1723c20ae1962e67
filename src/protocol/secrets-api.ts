/** Wire shapes of secrets. Write-only: no response carries a value. */
import { z } from 'zod';

/** `PUT /applications/:app/secrets/:name`. The value is checked by the server, and never echoed. */
export const setSecretRequestSchema = z.strictObject({
  value: z.string(),
  /** An environment of the application, or `*` (the default) for every environment. */
  environment: z.string().min(1).max(100).optional(),
});
export type SetSecretRequest = z.infer<typeof setSecretRequestSchema>;

export const secretSchema = z.object({
  name: z.string(),
  /** An environment name, or `*` for every environment of the application. */
  environment: z.string(),
  updatedAt: z.string(),
  updatedBy: z.string(),
});
export type SecretDto = z.infer<typeof secretSchema>;

export const secretListSchema = z.object({ secrets: z.array(secretSchema) });
export type SecretListDto = z.infer<typeof secretListSchema>;
