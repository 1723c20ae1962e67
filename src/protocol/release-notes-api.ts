import { z } from 'zod';

/** At most this many commits are attached to one release (the CLI stops `git log` there and says so). */
export const MAX_RELEASE_COMMITS = 2000;
/** Longer subjects are cut by the CLI before they are sent, and refused by the server. */
export const MAX_COMMIT_SUBJECT = 1000;

const sha = z.string().regex(/^([0-9a-f]{40}|[0-9a-f]{64})$/, 'must be a full commit id: 40 or 64 lowercase hex digits');

/** One commit as the CLI read it from the repository (core/release/commit-graph.ts `CommitRecord`). */
export const commitInputSchema = z.strictObject({
  sha,
  parents: z.array(sha).max(100),
  authorName: z.string().max(500),
  authorEmail: z.string().max(500),
  /** Committer date. */
  committedAt: z.iso.datetime({ error: 'must be an ISO 8601 UTC date-time, such as 2026-11-27T09:00:00Z' }),
  subject: z.string().max(MAX_COMMIT_SUBJECT),
});
export type CommitInput = z.infer<typeof commitInputSchema>;

/** A stored commit, as answers carry it. */
export const commitSchema = z.object({
  sha: z.string(),
  parents: z.array(z.string()),
  authorName: z.string(),
  authorEmail: z.string(),
  committedAt: z.string(),
  subject: z.string(),
});
export type CommitDto = z.infer<typeof commitSchema>;

/** `PUT /applications/:app/releases/:version/commits`: the commits the release brings (reachable from its commit, from none of the earlier releases'). */
export const attachCommitsRequestSchema = z.strictObject({ commits: z.array(commitInputSchema).max(MAX_RELEASE_COMMITS) });
export type AttachCommitsRequest = z.infer<typeof attachCommitsRequestSchema>;
export const attachCommitsResponseSchema = z.object({
  app: z.string(),
  version: z.string(),
  commits: z.number(),
  /** The same commits were attached before: nothing changed. */
  unchanged: z.boolean(),
});
export type AttachCommitsResponseDto = z.infer<typeof attachCommitsResponseSchema>;

export const releaseCommitsSchema = z.object({ commits: z.array(commitSchema) });

export const releaseNotesQuerySchema = z.strictObject({ environment: z.string().min(1).max(200).optional() });

const releaseRef = z.object({ version: z.string(), commit: z.string().nullable() });

/**
 * `GET /applications/:app/releases/:version/notes`: the commits from `from` (the release live in
 * the environment; without one, the release created before this one) to `to`, newest first, and
 * the releases whose commits lie in between. `from` null: nothing before, every known commit of
 * `to`'s history.
 */
export const releaseNotesSchema = z.object({
  app: z.string(),
  environment: z.string().nullable(),
  from: releaseRef.nullable(),
  to: releaseRef,
  commits: z.array(commitSchema),
  releases: z.array(z.object({ version: z.string(), commit: z.string().nullable(), createdAt: z.string() })),
});
export type ReleaseNotesDto = z.infer<typeof releaseNotesSchema>;
