import { z } from 'zod';
import { nameSchema } from '../names.js';
import { EVERYTHING, type Access, type RoleBinding } from './access.js';
import { ROLE_NAMES, type Role } from './roles.js';

/** Application or environment names, or `["*"]` for every one. */
export const scopeListSchema = z
  .array(z.union([z.literal(EVERYTHING), nameSchema]))
  .min(1)
  .max(100)
  .refine((names) => !names.includes(EVERYTHING) || names.length === 1, `"${EVERYTHING}" stands alone: it already means every one`);

export const roleSchema = z.enum(ROLE_NAMES as [Role, ...Role[]]);

export const roleBindingSchema: z.ZodType<RoleBinding> = z.strictObject({
  role: roleSchema,
  apps: scopeListSchema.default([EVERYTHING]),
  environments: scopeListSchema.default([EVERYTHING]),
});

/** Several bindings, each a role on applications × environments; empty grants nothing. */
export const accessSchema: z.ZodType<Access> = z.array(roleBindingSchema).max(50);
