import { z } from 'zod';
import { GantryError } from '../errors.js';
import type { CoverageSummary, ReviewSummary } from './model.js';

/** The review record Gantry accepts (JSON): who reviewed, who approved, which commits. */
export const reviewRecordSchema = z.strictObject({
  author: z.string().min(1).max(200),
  reviewers: z.array(z.strictObject({ name: z.string().min(1).max(200), approved: z.boolean() })).max(100),
  commits: z.strictObject({ from: z.string().min(1).max(200), to: z.string().min(1).max(200) }),
});

/** Coverage: a bare percentage (`87.5`) or `{"lines": 87.5}`. */
const percent = z.number().min(0).max(100);
const coverageSchema = z.union([percent, z.strictObject({ lines: percent })]);

function readJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new GantryError('EVIDENCE_INVALID', `${file}: not JSON: ${(error as Error).message}`, { where: file });
  }
}

function schemaError(file: string, what: string, error: z.ZodError): GantryError {
  const issue = error.issues[0];
  const path = issue ? issue.path.map(String).join('.') || '(root)' : '(root)';
  return new GantryError('EVIDENCE_INVALID', `${file}: not a ${what}: ${path}: ${issue?.message ?? 'is not valid'}`, { where: `${file}#${path}` });
}

export function parseReview(text: string, file: string): ReviewSummary {
  const parsed = reviewRecordSchema.safeParse(readJson(text, file));
  if (!parsed.success) throw schemaError(file, 'review record ({author, reviewers: [{name, approved}], commits: {from, to}})', parsed.error);
  const { author, reviewers, commits } = parsed.data;
  return {
    type: 'review',
    author,
    reviewers,
    independentApprovals: reviewers.filter((reviewer) => reviewer.approved && reviewer.name !== author).length,
    commits,
  };
}

export function parseCoverage(text: string, file: string): CoverageSummary {
  const parsed = coverageSchema.safeParse(readJson(text.trim(), file));
  if (!parsed.success) throw schemaError(file, 'coverage figure (a number 0–100 or {"lines": 0–100})', parsed.error);
  return { type: 'coverage', lines: typeof parsed.data === 'number' ? parsed.data : parsed.data.lines };
}
