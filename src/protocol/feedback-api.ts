/** Wire shapes of feedback after a deployment (issue 10): links, entries and summaries. */
import { z } from 'zod';

/** `POST /deployments/:id/feedback-links`: who the link is for (shown on the form, stored as who answered) and how long it lasts. */
export const feedbackLinkRequestBodySchema = z.strictObject({
  audience: z.string().optional(),
  /** "30m", "12h", "14d" (default 14d, at most 90d). */
  expires: z.string().optional(),
});
export type FeedbackLinkRequest = z.infer<typeof feedbackLinkRequestBodySchema>;

export const feedbackLinkSchema = z.object({
  deploymentId: z.string(),
  audience: z.string(),
  expiresAt: z.string(),
  /** The signed token; the link is `<server>/feedback/<token>`. */
  token: z.string(),
  /** Where the form is, on this server. */
  path: z.string(),
  /** The form's URL as the minting request reached the server (behind a proxy: rebuild it from `path`). */
  url: z.string(),
});
export type FeedbackLinkDto = z.infer<typeof feedbackLinkSchema>;

/** `POST /deployments/:id/feedback` and `POST /feedback/:token` (JSON): a rating 1-5 and an optional comment (≤ 2,000 characters). */
export const feedbackRequestBodySchema = z.strictObject({ rating: z.union([z.number(), z.string()]), comment: z.string().optional() });
export type FeedbackRequest = z.infer<typeof feedbackRequestBodySchema>;

export const feedbackEntrySchema = z.object({
  id: z.string(),
  app: z.string(),
  version: z.string(),
  environment: z.string(),
  deploymentId: z.string(),
  changeId: z.string().nullable(),
  rating: z.number(),
  comment: z.string().nullable(),
  /** The user, or for feedback through a link, the link's audience label. */
  who: z.string(),
  via: z.enum(['api', 'link']),
  createdAt: z.string(),
});
export type FeedbackEntryDto = z.infer<typeof feedbackEntrySchema>;

const ratingSummarySchema = z.object({
  count: z.number(),
  /** Mean rating, two decimals; null without feedback. */
  average: z.number().nullable(),
  /** How many gave each rating, "1" to "5". */
  distribution: z.object({ '1': z.number(), '2': z.number(), '3': z.number(), '4': z.number(), '5': z.number() }),
});

export const feedbackSummarySchema = ratingSummarySchema.extend({ environments: z.array(ratingSummarySchema.extend({ environment: z.string() })) });
export type FeedbackSummaryDto = z.infer<typeof feedbackSummarySchema>;

/** `GET /applications/:app/releases/:version/feedback`: entries (oldest first) in the environments the caller may read, and their summary. */
export const releaseFeedbackSchema = z.object({ app: z.string(), version: z.string(), summary: feedbackSummarySchema, entries: z.array(feedbackEntrySchema) });
export type ReleaseFeedbackDto = z.infer<typeof releaseFeedbackSchema>;

/** What `POST /feedback/:token` answers a JSON request: the stored entry's id, rating and who it is recorded as. */
export const linkFeedbackReceiptSchema = z.object({ id: z.string(), rating: z.number(), who: z.string(), deploymentId: z.string() });
export type LinkFeedbackReceiptDto = z.infer<typeof linkFeedbackReceiptSchema>;
