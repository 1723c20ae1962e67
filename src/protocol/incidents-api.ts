import { z } from 'zod';
import { INCIDENT_PRIORITIES } from '../core/incident/incident.js';
import { nameSchema } from '../core/names.js';

const isoTime = z.iso.datetime({ offset: true });

export const incidentSchema = z.object({
  id: z.string(),
  title: z.string(),
  app: z.string(),
  environment: z.string(),
  priority: z.enum(INCIDENT_PRIORITIES),
  /** The deployment it is attributed to; null when none had finished before it opened. */
  deploymentId: z.string().nullable(),
  /** `given`: named when opened; `latest`: the latest deployment finished before it opened; `none`. */
  attribution: z.enum(['given', 'latest', 'none']),
  attributionNote: z.string(),
  changeId: z.string().nullable(),
  openedBy: z.string(),
  openedAt: z.string(),
  resolvedBy: z.string().nullable(),
  resolvedAt: z.string().nullable(),
});
export type IncidentDto = z.infer<typeof incidentSchema>;
export const incidentListSchema = z.object({ incidents: z.array(incidentSchema) });

/** `POST /incidents`. */
export const openIncidentRequestSchema = z.strictObject({
  app: nameSchema,
  environment: nameSchema,
  title: z.string().trim().min(1).max(500),
  priority: z.enum(INCIDENT_PRIORITIES).default('P2'),
  /** The deployment that caused it; when omitted, the latest deployment of the app to the environment finished before it opened. */
  deployment: z.string().min(1).max(200).optional(),
  /** `C-12`; when omitted, the attributed deployment's change, if it had one. */
  change: z.string().min(1).max(200).optional(),
  /** When it was opened (detected), if not now; not in the future. */
  at: isoTime.optional(),
});
export type OpenIncidentRequest = z.input<typeof openIncidentRequestSchema>;

/** `POST /incidents/:id/resolve`. */
export const resolveIncidentRequestSchema = z.strictObject({ at: isoTime.optional() });
export const incidentIdParamsSchema = z.object({ id: z.string().min(1).max(200) });

export const incidentListQuerySchema = z.strictObject({
  app: nameSchema.optional(),
  environment: nameSchema.optional(),
  /** `true`: only incidents not resolved yet. */
  open: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
