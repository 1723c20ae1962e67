import { describe, expect, it } from 'vitest';
import { feedbackInputSchema, linkExpirySchema, summariseFeedback, type FeedbackEntry } from './feedback.js';

const entry = (environment: string, rating: FeedbackEntry['rating']): FeedbackEntry => ({
  id: `fb-${environment}-${rating}`,
  app: 'shop',
  version: '1.0.0',
  environment,
  deploymentId: 'd-1',
  changeId: null,
  rating,
  comment: null,
  who: 'someone',
  via: 'api',
  createdAt: '2026-11-28T00:00:00.000Z',
});

describe('feedback summaries', () => {
  it('counts, averages (two decimals) and distributes ratings overall and per environment', () => {
    // 1 + 2 + 2 = 5 over 3 = 1.67 in staging; 5 in production; 10 / 4 = 2.5 overall.
    const summary = summariseFeedback([entry('staging', 1), entry('staging', 2), entry('production', 5), entry('staging', 2)]);
    expect(summary).toEqual({
      count: 4,
      average: 2.5,
      distribution: { '1': 1, '2': 2, '3': 0, '4': 0, '5': 1 },
      environments: [
        { environment: 'production', count: 1, average: 5, distribution: { '1': 0, '2': 0, '3': 0, '4': 0, '5': 1 } },
        { environment: 'staging', count: 3, average: 1.67, distribution: { '1': 1, '2': 2, '3': 0, '4': 0, '5': 0 } },
      ],
    });
  });

  it('has no average without feedback', () => {
    expect(summariseFeedback([])).toEqual({ count: 0, average: null, distribution: { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 }, environments: [] });
  });
});

describe('feedback input', () => {
  it('takes a rating as a number or as form text, and a blank comment as none', () => {
    expect(feedbackInputSchema.parse({ rating: '4', comment: '  ' })).toEqual({ rating: 4, comment: null });
    expect(feedbackInputSchema.parse({ rating: 1, comment: ' ok ' })).toEqual({ rating: 1, comment: 'ok' });
  });

  it('refuses ratings outside 1-5, fractions, missing ratings and long comments', () => {
    for (const rating of [0, 6, 2.5, '', 'five', undefined]) expect(feedbackInputSchema.safeParse({ rating }).success, String(rating)).toBe(false);
    expect(feedbackInputSchema.safeParse({ rating: 3, comment: 'x'.repeat(2001) }).success).toBe(false);
    expect(feedbackInputSchema.safeParse({ rating: 3, comment: 'x'.repeat(2000) }).success).toBe(true);
  });

  it('reads link expiries in minutes, hours and days, up to 90 days', () => {
    expect(linkExpirySchema.parse('30m')).toBe(1_800_000);
    expect(linkExpirySchema.parse('12h')).toBe(43_200_000);
    expect(linkExpirySchema.parse('90d')).toBe(90 * 86_400_000);
    for (const bad of ['91d', '0d', '3w', '1.5h', '-1d']) expect(linkExpirySchema.safeParse(bad).success, bad).toBe(false);
  });
});
