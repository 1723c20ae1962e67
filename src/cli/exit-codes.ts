/**
 * The CLI's exit codes: one per kind of error, so scripts can branch on what went wrong without
 * parsing messages. docs/cli.md lists them; keep the two in step.
 */
import type { ErrorKind } from '../core/errors.js';

export const EXIT_CODES = {
  /** Success; for `deploy --wait` / `rollback --wait`, the deployment succeeded. */
  ok: 0,
  /** An internal error, or a watched deployment that did not succeed. */
  failed: 1,
  /** The request, the command line or the manifest is not valid. */
  invalid: 2,
  notFound: 3,
  conflict: 4,
  /** No valid token, or not allowed (including an SSH host key mismatch). */
  denied: 5,
  /** The server, its database or a target cannot be reached. */
  unavailable: 6,
} as const;

const EXIT_CODE_OF_KIND: Record<ErrorKind, number> = {
  invalid: EXIT_CODES.invalid,
  not_found: EXIT_CODES.notFound,
  conflict: EXIT_CODES.conflict,
  unauthorized: EXIT_CODES.denied,
  forbidden: EXIT_CODES.denied,
  throttled: EXIT_CODES.denied,
  unavailable: EXIT_CODES.unavailable,
  internal: EXIT_CODES.failed,
};

export function exitCodeOfKind(kind: ErrorKind): number {
  return EXIT_CODE_OF_KIND[kind];
}
