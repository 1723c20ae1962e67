/**
 * Measured values as they are recorded and shown: JSON data that survives a round trip through
 * the store (NaN and ±Infinity, which Prometheus returns, become the strings "NaN", "Infinity" and
 * "-Infinity"), bounded in size.
 */

export const MAX_RECORDED_VALUE_LENGTH = 4096;
const MAX_SHOWN_LENGTH = 80;
const MAX_MESSAGE_LENGTH = 500;

const replaceNonFinite = (_key: string, item: unknown): unknown => (typeof item === 'number' && !Number.isFinite(item) ? String(item) : item);

/** The value as JSON data; a value whose JSON is longer than MAX_RECORDED_VALUE_LENGTH is kept as the start of that text. */
export function recordedValue(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'boolean') return value;
  let text: string | undefined;
  try {
    text = JSON.stringify(value, replaceNonFinite);
  } catch {
    return `(a ${typeof value} that is not JSON data)`;
  }
  if (text === undefined) return `(a ${typeof value} that is not JSON data)`;
  if (text.length > MAX_RECORDED_VALUE_LENGTH) return `${text.slice(0, MAX_RECORDED_VALUE_LENGTH - 1)}…`;
  return typeof value === 'string' ? value : (JSON.parse(text) as unknown);
}

/** A short rendering for reasons: `0.31`, `[0.1,0.2]`, `NaN`. */
export function shownValue(value: unknown): string {
  let text: string;
  if (typeof value === 'number') text = String(value);
  else if (value === undefined) text = 'undefined';
  else {
    try {
      text = JSON.stringify(value, replaceNonFinite) ?? String(value);
    } catch {
      text = `(a ${typeof value} that cannot be shown)`;
    }
  }
  return text.length > MAX_SHOWN_LENGTH ? `${text.slice(0, MAX_SHOWN_LENGTH - 1)}…` : text;
}

/** The message of a reader's error, on one line and bounded. */
export function errorMessage(error: unknown): string {
  const text = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim() || 'the measurement failed without a message';
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : text;
}
