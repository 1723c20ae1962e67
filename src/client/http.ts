/**
 * The transport under the API client and the deployment stream: one way to build a URL, send a
 * request, and turn an answer that is not 2xx back into the GantryError the server raised.
 */
import type { z } from 'zod';
import { GantryError, isErrorCode } from '../core/errors.js';
import { problemSchema } from '../protocol/api.js';
import { ApiUnreachableError } from './errors.js';

export { ApiUnreachableError, isApiUnreachableError } from './errors.js';

export interface ApiConnection {
  /** The server's base URL, without a trailing slash, e.g. http://127.0.0.1:7400. */
  readonly baseUrl: string;
  readonly token: string | undefined;
  readonly fetch: typeof fetch;
}

export function normaliseBaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new GantryError('REQUEST_INVALID', `server URL "${url.slice(0, 200)}" is not a URL (expected e.g. http://127.0.0.1:7400)`, { where: '--url' });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new GantryError('REQUEST_INVALID', `server URL "${url.slice(0, 200)}" must start with http:// or https://`, { where: '--url' });
  }
  return parsed.href.replace(/\/+$/, '');
}

export type QueryValue = string | number | boolean | undefined;

export function buildUrl(connection: ApiConnection, path: string, query: Record<string, QueryValue> = {}): string {
  const url = new URL(connection.baseUrl + path);
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  return url.href;
}

/** Encodes one path segment (an app name, a deployment id, …). */
export function segment(value: string): string {
  return encodeURIComponent(value);
}

export function authHeaders(connection: ApiConnection): Record<string, string> {
  return connection.token ? { authorization: `Bearer ${connection.token}` } : {};
}

/** The Node reason for a failed fetch (ECONNREFUSED, ENOTFOUND, …), found on its cause chain. */
export function networkReason(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return undefined;
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

/**
 * Calls fetch and maps a failure to reach the server to ApiUnreachableError. Aborts are passed
 * through unchanged.
 */
export async function send(connection: ApiConnection, url: string, init: RequestInit): Promise<Response> {
  try {
    return await connection.fetch(url, init);
  } catch (error) {
    if (isAbortError(error)) throw error;
    // fetch rejects with a cause-less TypeError for a request it refuses to build (a header value
    // with a newline, …): that is not a network failure.
    if (error instanceof TypeError && error.cause === undefined && error.message !== 'fetch failed') {
      throw new GantryError('REQUEST_INVALID', `the request cannot be sent: ${error.message.split('\n')[0]}`, {}, { cause: error });
    }
    throw new ApiUnreachableError(connection.baseUrl, { cause: error, reason: networkReason(error) ?? 'fetch failed' });
  }
}

/** Rebuilds the server's GantryError from a problem+json answer; anything else becomes INTERNAL. */
export async function errorFromResponse(response: Response, what: string): Promise<GantryError> {
  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const problem = problemSchema.safeParse(body);
  if (!problem.success) {
    if (response.status === 401) return new GantryError('UNAUTHORIZED', 'the server refused the API token', { status: 401 });
    return new GantryError('INTERNAL', `${what}: the server answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''} without a problem description`, {
      status: response.status,
    });
  }
  return errorFromProblem(problem.data);
}

/** The error a problem+json body describes (an error answer, or a progress stream's `denied` event). */
export function errorFromProblem(problem: z.output<typeof problemSchema>): GantryError {
  const { code, detail, where, problems, status } = problem;
  const details = { status, ...(where !== undefined ? { where } : {}), ...(problems !== undefined ? { problems } : {}) };
  if (isErrorCode(code)) return new GantryError(code, detail, details);
  return new GantryError('INTERNAL', `${detail} (the server reported error code ${code.slice(0, 100)}, which this client does not know; is it an older version?)`, {
    ...details,
    serverCode: code,
  });
}

/** Parses a 2xx JSON answer with its protocol schema. */
export async function parseBody<T extends z.ZodType>(response: Response, schema: T, what: string): Promise<z.output<T>> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (cause) {
    throw new GantryError('INTERNAL', `${what}: the server's answer is not JSON`, {}, { cause });
  }
  return parseValue(body, schema, what);
}

export function parseValue<T extends z.ZodType>(value: unknown, schema: T, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.map(String).join('.') ?? '';
  throw new GantryError(
    'INTERNAL',
    `${what}: the server's answer does not have the expected shape${path ? ` (at ${path}: ${issue?.message ?? 'invalid'})` : ''}; are the client and the server the same Gantry version?`,
    {},
    { cause: result.error },
  );
}
