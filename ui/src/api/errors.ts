import { isGantryError } from '../../../src/client/api-client.js';

/** What to tell a person about a failed request: the server's own words, never a stack trace. */
export function messageOf(error: unknown): string {
  if (isGantryError(error)) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The server's stable error code, when it gave one. */
export function codeOf(error: unknown): string | undefined {
  return isGantryError(error) ? error.code : undefined;
}

export function isSignedOut(error: unknown): boolean {
  return codeOf(error) === 'UNAUTHORIZED';
}
