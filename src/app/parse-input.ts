import type { z } from 'zod';
import { GantryError } from '../core/errors.js';

function fieldOf(issue: z.core.$ZodIssue, root: string): string {
  const path = [root, ...issue.path.map(String)].filter(Boolean).join('.');
  if (issue.code === 'unrecognized_keys') return [path, issue.keys[0]].filter(Boolean).join('.');
  return path;
}

/**
 * Reads a request body (or part of one) with its schema. Every problem is a REQUEST_INVALID
 * naming the field (`where`, prefixed with `root`; `whole` when the input as a whole is wrong),
 * and all problems are listed in `problems`.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, root: string, whole: string = root): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => ({ where: fieldOf(issue, root) || whole, message: issue.message }));
  const first = problems[0] ?? { where: whole, message: 'is not valid' };
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
  throw new GantryError('REQUEST_INVALID', `${first.where}: ${first.message}${more}`, { where: first.where, problems });
}
