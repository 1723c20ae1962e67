/**
 * The one client failure that is not a GantryError: the server could not be reached at all
 * (refused, no such host, reset before an answer). No server said anything, so there is no
 * catalogue code to report. Kept in its own module, with no imports, so code that only needs to
 * recognise it (the CLI's error reporting) does not load the HTTP client.
 */
export class ApiUnreachableError extends Error {
  /** The network-level reason, e.g. ECONNREFUSED, when Node reports one. */
  readonly reason: string | undefined;
  /** The server's base URL that could not be reached. */
  readonly url: string;

  constructor(url: string, options?: { cause?: unknown; reason?: string | undefined }) {
    super(`cannot reach the Gantry server at ${url} (is \`gantry serve\` running?)`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiUnreachableError';
    this.url = url;
    this.reason = options?.reason;
  }
}

export function isApiUnreachableError(value: unknown): value is ApiUnreachableError {
  return value instanceof ApiUnreachableError;
}
