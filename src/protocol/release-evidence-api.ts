import { z } from 'zod';
import { EVIDENCE_TYPES } from '../core/evidence/model.js';

const levels = z.object({ error: z.number(), warning: z.number(), note: z.number(), none: z.number() });

/** The summary Gantry parsed from an evidence file (core/evidence/model.ts `EvidenceSummary`). */
export const evidenceSummarySchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('junit'),
    tests: z.number(),
    failures: z.number(),
    errors: z.number(),
    skipped: z.number(),
    timeSeconds: z.number().nullable(),
    suites: z.number(),
    failingCases: z.array(z.object({ suite: z.string(), name: z.string(), outcome: z.enum(['failure', 'error']) })),
    failingCasesTruncated: z.boolean(),
  }),
  z.object({
    type: z.literal('sarif'),
    results: z.number(),
    levels,
    tools: z.array(z.object({ tool: z.string(), levels })),
    rules: z.array(z.object({ tool: z.string(), rule: z.string(), level: z.enum(['error', 'warning', 'note', 'none']), count: z.number(), securitySeverity: z.number().nullable() })),
    maxSecuritySeverity: z.number().nullable(),
  }),
  z.object({
    type: z.literal('review'),
    author: z.string(),
    reviewers: z.array(z.object({ name: z.string(), approved: z.boolean() })),
    independentApprovals: z.number(),
    commits: z.object({ from: z.string(), to: z.string() }),
  }),
  z.object({ type: z.literal('coverage'), lines: z.number() }),
  z.object({ type: z.literal('attestation') }),
]);

export const evidenceTypeSchema = z.enum(EVIDENCE_TYPES);

export const evidenceSchema = z.object({
  id: z.string(),
  app: z.string(),
  version: z.string(),
  type: evidenceTypeSchema,
  name: z.string(),
  summary: evidenceSummarySchema,
  /** One line for people: "junit unit: 120 tests, 2 failures, 0 errors, 3 skipped". */
  description: z.string(),
  sha256: z.string(),
  sizeBytes: z.number(),
  attachedBy: z.string(),
  attachedAt: z.string(),
});
export type EvidenceDto = z.infer<typeof evidenceSchema>;

export const attachEvidenceResponseSchema = evidenceSchema.extend({ replaced: z.string().nullable() });
export type AttachEvidenceResponseDto = z.infer<typeof attachEvidenceResponseSchema>;
export const evidenceListSchema = z.object({ evidence: z.array(evidenceSchema) });
/** `GET …/evidence/:id`: the summary and the file (base64); `?download=1` answers the raw file instead. */
export const evidenceDetailSchema = evidenceSchema.extend({ contentBase64: z.string() });
export type EvidenceDetailDto = z.infer<typeof evidenceDetailSchema>;

export const attachEvidenceQuerySchema = z.object({
  type: evidenceTypeSchema,
  name: z.string().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_", "-"').optional(),
  /** The file's name on the sender's side, only to name it in error messages. */
  file: z.string().min(1).max(300).optional(),
});
export const evidenceDetailQuerySchema = z.object({ download: z.enum(['0', '1', 'true', 'false']).optional() });
