import { z } from 'zod';

/**
 * Names of apps, environments, targets and versions become path components on targets and
 * arguments on command lines, so they are held to a small alphabet: no `/`, no `..`, no
 * leading `-` or `.`, nothing a shell or a path would read specially.
 */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$/;

export function isSafeName(value: string): boolean {
  return NAME_PATTERN.test(value) && !value.includes('..');
}

export const nameSchema = z
  .string()
  .refine(isSafeName, {
    message: 'must be 1-100 characters of letters, digits, ".", "_", "+" or "-", start with a letter or digit, and not contain ".."',
  });

export const LABEL_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/;
export const labelsSchema = z.record(
  z.string().regex(LABEL_KEY_PATTERN, 'label keys are letters, digits, ".", "_", "/" or "-"'),
  z.string().max(200),
);
export type Labels = Readonly<Record<string, string>>;

export function labelsMatch(selector: Labels, labels: Labels): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}
