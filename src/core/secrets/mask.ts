/**
 * Masks secret values in text that leaves a deployment: stored log lines, step errors, the
 * deployment's reason, events, server logs. A value is recognised raw and in the encodings a
 * hook is most likely to print it in: Base64 (standard and URL-safe, with or without padding),
 * URL-encoding, and hex. Longer values are replaced first, so a secret that contains another
 * is masked whole. Output is stored and streamed line by line, so each line of a multi-line
 * secret (a PEM key, a kubeconfig) is masked on its own too, unless it is too short to be told
 * from ordinary output.
 */
export const MASK = '***';

export interface Masker {
  mask(text: string): string;
  /** Masks every string inside plain data (objects, arrays), for event payloads and errors. */
  maskDeep<T>(value: T): T;
}

/** A line of a multi-line secret shorter than this (trimmed) is left visible: `}` or an empty line would mask everything. */
export const MIN_MASKED_LINE = 8;

function linesOf(value: string): string[] {
  if (!/[\r\n]/.test(value)) return [];
  return value
    .split(/\r?\n|\r/)
    .map((line) => line.trim())
    .filter((line) => line.length >= MIN_MASKED_LINE);
}

function encodingsOf(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const base64 = bytes.toString('base64');
  return [value, base64, base64.replace(/=+$/, ''), bytes.toString('base64url'), encodeURIComponent(value), bytes.toString('hex')];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function createMasker(secrets: Iterable<string>): Masker {
  const forms = [...new Set([...secrets].filter((secret) => secret.length > 0).flatMap((secret) => [...encodingsOf(secret), ...linesOf(secret)]))].sort((a, b) => b.length - a.length);
  const pattern = forms.length === 0 ? null : new RegExp(forms.map(escapeRegExp).join('|'), 'g');
  const mask = (text: string) => (pattern === null ? text : text.replace(pattern, MASK));
  const maskDeep = <T>(value: T): T => {
    if (pattern === null) return value;
    if (typeof value === 'string') return mask(value) as T;
    if (Array.isArray(value)) return value.map(maskDeep) as T;
    if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, maskDeep(item)])) as T;
    }
    return value;
  };
  return { mask, maskDeep };
}

/** Masks nothing: a deployment without secrets. */
export const NO_MASK: Masker = createMasker([]);

/** An error as a server log may show it, masked (pino's `err` would print the raw message and stack). */
export function maskError(error: unknown, masker: Masker): { type: string; message: string; stack?: string; code?: string } {
  if (!(error instanceof Error)) return { type: typeof error, message: masker.mask(String(error)) };
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    message: masker.mask(error.message),
    ...(error.stack ? { stack: masker.mask(error.stack) } : {}),
    ...(typeof code === 'string' ? { code } : {}),
  };
}
