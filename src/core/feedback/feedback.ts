/**
 * Feedback after a deployment (issue 10): a rating from 1 to 5 and an optional comment, given by a
 * user through the API or by anyone holding a signed feedback link, and summarised per release
 * (overall and per environment) and on the review of the change the deployment implemented.
 */
import { z } from 'zod';

export const RATINGS = [1, 2, 3, 4, 5] as const;
export type Rating = (typeof RATINGS)[number];

export const MAX_COMMENT_LENGTH = 2000;
/** An audience label names a group of people ("ops team"), shown on the form and stored as who gave the feedback. */
export const MAX_AUDIENCE_LENGTH = 100;

/** What someone sends: a whole rating from 1 to 5; a comment of at most 2,000 characters (blank: none). */
export const feedbackInputSchema = z.strictObject({
  // A form sends the rating as text ("4"); JSON may send either.
  rating: z.preprocess(
    (value) => (typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value),
    z.number({ error: 'must be a rating from 1 to 5' }).int('must be a whole number from 1 to 5').min(1, 'must be from 1 to 5').max(5, 'must be from 1 to 5'),
  ),
  comment: z
    .string()
    .max(MAX_COMMENT_LENGTH, `must be at most ${MAX_COMMENT_LENGTH} characters`)
    .optional()
    .transform((comment) => (comment === undefined || comment.trim() === '' ? null : comment.trim())),
});
export type FeedbackInput = z.output<typeof feedbackInputSchema>;

export interface FeedbackEntry {
  readonly id: string;
  readonly app: string;
  readonly version: string;
  readonly environment: string;
  readonly deploymentId: string;
  /** The change the deployment implemented, when it had one. */
  readonly changeId: string | null;
  readonly rating: Rating;
  readonly comment: string | null;
  /** The user (API) or the link's audience label (link). */
  readonly who: string;
  readonly via: 'api' | 'link';
  readonly createdAt: string;
}

export interface RatingSummary {
  readonly count: number;
  /** Mean rating to two decimals; null without feedback. */
  readonly average: number | null;
  /** How many gave each rating: keys "1" to "5", every one present. */
  readonly distribution: Readonly<Record<'1' | '2' | '3' | '4' | '5', number>>;
}

export interface FeedbackSummary extends RatingSummary {
  readonly environments: readonly ({ readonly environment: string } & RatingSummary)[];
}

function summariseRatings(ratings: readonly Rating[]): RatingSummary {
  const distribution = { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 };
  for (const rating of ratings) distribution[String(rating) as keyof typeof distribution] += 1;
  const total = ratings.reduce((sum, rating) => sum + rating, 0);
  return { count: ratings.length, average: ratings.length === 0 ? null : Math.round((total * 100) / ratings.length) / 100, distribution };
}

/** Count, average and distribution, overall and per environment (environments by name). */
export function summariseFeedback(entries: readonly FeedbackEntry[]): FeedbackSummary {
  const environments = [...new Set(entries.map((entry) => entry.environment))].sort();
  return {
    ...summariseRatings(entries.map((entry) => entry.rating)),
    environments: environments.map((environment) => ({ environment, ...summariseRatings(entries.filter((entry) => entry.environment === environment).map((entry) => entry.rating)) })),
  };
}

const EXPIRY_UNITS_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export const DEFAULT_LINK_EXPIRY_MS = 14 * EXPIRY_UNITS_MS.d;
export const MAX_LINK_EXPIRY_MS = 90 * EXPIRY_UNITS_MS.d;

/** How long a feedback link stays valid: "30m", "12h", "14d"; at most 90 days. */
export const linkExpirySchema = z
  .string()
  .regex(/^[1-9]\d{0,4}[mhd]$/, 'must be a duration like 30m, 12h or 14d')
  .transform((text) => Number(text.slice(0, -1)) * EXPIRY_UNITS_MS[text.slice(-1) as keyof typeof EXPIRY_UNITS_MS])
  .refine((ms) => ms <= MAX_LINK_EXPIRY_MS, 'must be at most 90d');
