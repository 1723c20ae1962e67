/** The useful part of a connection error: "connect ECONNREFUSED 127.0.0.1:9", with its code. */
export function connectionErrorCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // Trying several addresses in turn (IPv6 and IPv4) fails with all of their errors.
  const last: unknown = error instanceof AggregateError && error.errors.length > 0 ? error.errors.at(-1) : error;
  const cause: unknown = last instanceof Error && last.cause instanceof Error ? last.cause : last;
  if (!(cause instanceof Error)) return String(cause);
  const code = (cause as NodeJS.ErrnoException).code;
  return code !== undefined && !cause.message.includes(code) ? `${code} ${cause.message}` : cause.message;
}
